#!/usr/bin/env python3
"""Writes tests/fixtures/similarity_pairs.jsonl: 1,000 deterministic, varied
string pairs with RapidFuzz's Jaro-Winkler similarity (prefix capped at 4)
and token-set ratio / 100, the oracle for src/checks/similarity.rs.

    pip install rapidfuzz==3.*
    python3 scripts/similarity_fixture.py > tests/fixtures/similarity_pairs.jsonl
"""
import json
import random

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

rng = random.Random(20261204)
WORDS = ("acme brightlane brightstone logistics holdings data migration security audit team "
         "licenses renewal q1 q2 2025 2026 müller crème straße zoë ñandú 東京 café "
         "onboarding services pilot project analytics add on").split()
ALPHA = "abcdefghijklmnopqrstuvwxyzéüß東 -"


def phrase():
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 5)))


def noise():
    return "".join(rng.choice(ALPHA) for _ in range(rng.randint(0, 90)))


def mutate(s):
    s = list(s)
    for _ in range(rng.randint(0, 3)):
        op = rng.randrange(4)
        i = rng.randrange(len(s) + 1)
        if op == 0:
            s.insert(i, rng.choice(ALPHA))
        elif s and op == 1:
            del s[min(i, len(s) - 1)]
        elif len(s) > 1 and op == 2:
            j = min(i, len(s) - 2)
            s[j], s[j + 1] = s[j + 1], s[j]
        elif s:
            s[min(i, len(s) - 1)] = rng.choice(ALPHA)
    return "".join(s)


for k in range(1000):
    kind = k % 4
    if kind == 0:
        a = phrase(); b = mutate(a)
    elif kind == 1:
        a = phrase(); b = phrase()
    elif kind == 2:
        a = noise(); b = mutate(a)
    else:
        a = noise(); b = noise()
    print(json.dumps({
        "a": a, "b": b,
        "jaro_winkler": JaroWinkler.similarity(a, b),
        "token_set": fuzz.token_set_ratio(a, b) / 100.0,
    }, ensure_ascii=False))
