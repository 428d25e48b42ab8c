//! String-similarity kernels shared by the duplicate checks: name and title
//! normalisation, Jaro–Winkler with the common prefix capped at 4 (as
//! RapidFuzz, Splink and DuckDB), RapidFuzz's token-set ratio, the
//! "numbers differ" rule, token blocking and union-find clusters.
//!
//! Cost: normalisation is linear in the text; Jaro–Winkler is O(n·m) on the
//! characters of two short strings; the token-set ratio uses a bit-parallel
//! LCS (O(n) words for strings up to 64 characters). Blocking never builds
//! all pairs: each record is compared only with records sharing one of its
//! rarest tokens, and only accepted pairs are kept.

use std::collections::HashMap;

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Legal-form words removed from organisation names and titles.
pub const LEGAL_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "co",
    "corp",
    "corporation",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "plc",
    "lp",
    "llp",
    "pty",
    "oy",
    "ab",
    "spa",
    "srl",
    "kg",
    "kgaa",
    "pte",
    "cv",
    "vof",
];

/// NFKC, case fold, accents folded, apostrophes dropped, every other
/// non-alphanumeric character (dashes, punctuation) to a space, runs of
/// single letters joined ("n v" → "nv"), whitespace collapsed.
pub fn normalize(text: &str) -> String {
    let folded: String = text
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .nfkd()
        .filter(|c| !is_combining_mark(*c) && !matches!(c, '\'' | '’' | '`'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut prev_single = false;
    for tok in folded.split_whitespace() {
        let single = tok.chars().count() == 1 && tok.chars().all(char::is_alphabetic);
        match out.last_mut() {
            Some(last) if single && prev_single => last.push_str(tok),
            _ => out.push(tok.to_owned()),
        }
        prev_single = single;
    }
    out.join(" ")
}

/// Drops legal-form tokens from normalised text (unless nothing would remain).
pub fn strip_legal(norm: &str) -> String {
    let kept: Vec<&str> = norm.split(' ').filter(|t| !LEGAL_SUFFIXES.contains(t)).collect();
    if kept.is_empty() { norm.to_owned() } else { kept.join(" ") }
}

/// Normalised organisation name: [`normalize`] then [`strip_legal`].
pub fn org_name(text: &str) -> String {
    strip_legal(&normalize(text))
}

/// Normalised title with legal forms and the organisation's own (normalised)
/// name removed; the title itself when nothing else would remain.
pub fn title_without_org(title: &str, org: Option<&str>) -> String {
    let t = strip_legal(&normalize(title));
    let Some(org) = org.filter(|o| !o.is_empty()) else { return t };
    let padded = format!(" {t} ");
    let removed = padded.replace(&format!(" {org} "), " ");
    let removed = removed.split_whitespace().collect::<Vec<_>>().join(" ");
    if removed.is_empty() { t } else { removed }
}

/// The digit runs of a text, in order ("Q1 2026" → ["1", "2026"]).
pub fn numbers(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).collect()
}

/// True when two texts carry different numbers (Q1 vs Q2, 2024 vs 2025,
/// #1043 vs #1044; compared as multisets): such titles are not duplicates however similar.
pub fn numbers_differ(a: &str, b: &str) -> bool {
    let (mut x, mut y) = (numbers(a), numbers(b));
    x.sort_unstable();
    y.sort_unstable();
    x != y
}

/// Jaro similarity on Unicode scalar values (RapidFuzz's definition).
pub fn jaro(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let bound = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut b_used = vec![false; b.len()];
    let mut a_match = Vec::with_capacity(a.len());
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(bound);
        let hi = (i + bound + 1).min(b.len());
        for j in lo..hi {
            if !b_used[j] && b[j] == *ca {
                b_used[j] = true;
                a_match.push(*ca);
                break;
            }
        }
    }
    let m = a_match.len();
    if m == 0 {
        return 0.0;
    }
    let b_match = b.iter().zip(&b_used).filter(|(_, u)| **u).map(|(c, _)| *c);
    let half_t = a_match.iter().zip(b_match).filter(|(x, y)| **x != *y).count() / 2;
    let m = m as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - half_t as f64) / m) / 3.0
}

/// Jaro–Winkler with prefix weight 0.1, the common prefix capped at 4 and the
/// boost applied only above Jaro 0.7 (RapidFuzz `JaroWinkler.similarity`).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    jaro_winkler_chars(&a, &b)
}

/// [`jaro_winkler`] on pre-split characters.
pub fn jaro_winkler_chars(a: &[char], b: &[char]) -> f64 {
    let sim = jaro(a, b);
    if sim <= 0.7 {
        return sim;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    sim + prefix * 0.1 * (1.0 - sim)
}

/// Length of the longest common subsequence of two character slices.
fn lcs_len(a: &[char], b: &[char]) -> usize {
    if a.len() > 64 {
        return lcs_dp(a, b);
    }
    let mut table: Vec<(char, u64)> = Vec::new();
    for (i, c) in a.iter().enumerate() {
        match table.iter_mut().find(|(k, _)| k == c) {
            Some((_, m)) => *m |= 1 << i,
            None => table.push((*c, 1 << i)),
        }
    }
    let mut s: u64 = !0;
    for c in b {
        let m = table.iter().find(|(k, _)| k == c).map_or(0, |(_, m)| *m);
        let u = s & m;
        s = s.wrapping_add(u) | (s.wrapping_sub(u));
    }
    let mask = if a.len() == 64 { !0 } else { (1u64 << a.len()) - 1 };
    (!s & mask).count_ones() as usize
}

fn lcs_dp(a: &[char], b: &[char]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    for ca in a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = if ca == cb { prev[j] + 1 } else { prev[j + 1].max(cur[j]) };
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Normalised Indel similarity (RapidFuzz `fuzz.ratio` / 100).
pub fn ratio(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    2.0 * lcs_len(&a, &b) as f64 / total as f64
}

/// RapidFuzz `fuzz.token_set_ratio` / 100 on whitespace tokens.
pub fn token_set_ratio(a: &str, b: &str) -> f64 {
    let mut ta: Vec<&str> = a.split_whitespace().collect();
    let mut tb: Vec<&str> = b.split_whitespace().collect();
    if ta.is_empty() || tb.is_empty() {
        return 0.0;
    }
    ta.sort_unstable();
    ta.dedup();
    tb.sort_unstable();
    tb.dedup();
    let sect: Vec<&str> = ta.iter().filter(|t| tb.contains(t)).copied().collect();
    let ab: Vec<&str> = ta.iter().filter(|t| !sect.contains(t)).copied().collect();
    let ba: Vec<&str> = tb.iter().filter(|t| !sect.contains(t)).copied().collect();
    if !sect.is_empty() && (ab.is_empty() || ba.is_empty()) {
        return 1.0;
    }
    let (ab, ba, sect) = (ab.join(" "), ba.join(" "), sect.join(" "));
    let (ab, ba): (Vec<char>, Vec<char>) = (ab.chars().collect(), ba.chars().collect());
    let s = sect.chars().count();
    let sep = usize::from(s > 0);
    let (t1, t2) = (s + sep + ab.len(), s + sep + ba.len());
    let dist = ab.len() + ba.len() - 2 * lcs_len(&ab, &ba);
    let mut best = 1.0 - dist as f64 / (t1 + t2) as f64;
    if s > 0 {
        for t in [t1, t2] {
            best = best.max(2.0 * s as f64 / (s + t) as f64);
        }
    }
    best
}

/// Union-find over `0..n` with path halving and union by size.
pub struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        UnionFind { parent: (0..n).collect(), size: vec![1; n] }
    }

    /// The representative of `x`.
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

/// Similarity of two normalised strings, by the two measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Jaro–Winkler (prefix capped at 4).
    pub jaro_winkler: f64,
    /// Token-set ratio in [0, 1].
    pub token_set: f64,
}

impl Score {
    /// Scores two normalised strings.
    pub fn of(a: &str, b: &str) -> Score {
        Score { jaro_winkler: jaro_winkler(a, b), token_set: token_set_ratio(a, b) }
    }

    /// The larger of the two measures.
    pub fn best(&self) -> f64 {
        self.jaro_winkler.max(self.token_set)
    }
}

/// Token blocking: which records are compared.
pub struct Blocking<'a> {
    /// Normalised tokens of every record.
    pub tokens: &'a [Vec<String>],
    /// How many of a probe's rarest tokens are its block keys.
    pub keys_per_record: usize,
    /// Records whose keys are looked up (others are only found).
    pub is_probe: &'a [bool],
    /// Sort key of every record, ascending with the index (e.g. creation time).
    pub time: &'a [i64],
    /// Only records whose `time` differs by at most this are compared.
    pub window: i64,
}

/// Candidate pairs `(i, j)`, `i < j`, where one is a probe and the other
/// holds one of the probe's `keys_per_record` rarest tokens, within the time
/// window; `accept` scores them. Pairs are streamed per probe with rayon;
/// only accepted pairs are returned, sorted, each once.
pub fn token_block_pairs<T: Send>(
    b: &Blocking<'_>,
    accept: impl Fn(usize, usize) -> Option<T> + Sync,
) -> Vec<(usize, usize, T)> {
    let tokens = b.tokens;
    let mut postings: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, toks) in tokens.iter().enumerate() {
        for t in dedup_tokens(toks) {
            postings.entry(t).or_default().push(i);
        }
    }
    let keys: Vec<Vec<&str>> = (0..tokens.len())
        .into_par_iter()
        .map(|i| {
            if b.is_probe[i] { rare_keys(&tokens[i], &postings, b.keys_per_record) } else { vec![] }
        })
        .collect();
    let mut pairs: Vec<(usize, usize, T)> = (0..tokens.len())
        .into_par_iter()
        .filter(|&i| b.is_probe[i])
        .flat_map_iter(|i| {
            let (lo_t, hi_t) =
                (b.time[i].saturating_sub(b.window), b.time[i].saturating_add(b.window));
            let mut cand: Vec<usize> = keys[i]
                .iter()
                .filter_map(|k| postings.get(k))
                .flat_map(|list| {
                    let lo = list.partition_point(|&j| b.time[j] < lo_t);
                    let hi = list.partition_point(|&j| b.time[j] <= hi_t);
                    list[lo..hi].iter().copied()
                })
                .filter(|&j| j != i)
                .collect();
            cand.sort_unstable();
            cand.dedup();
            // A pair of two probes is scored by the lower index unless the
            // lower one's keys do not reach the higher one.
            let keys = &keys;
            cand.into_iter()
                .filter(move |&j| !(b.is_probe[j] && j < i && keys_share(&keys[j], &tokens[i])))
                .filter_map(|j| {
                    let (x, y) = (i.min(j), i.max(j));
                    accept(x, y).map(|t| (x, y, t))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    pairs.sort_by_key(|p| (p.0, p.1));
    pairs.dedup_by_key(|p| (p.0, p.1));
    pairs
}

/// [`token_block_pairs`] with every record a probe and no time window.
pub fn token_block_all<T: Send>(
    tokens: &[Vec<String>],
    keys_per_record: usize,
    accept: impl Fn(usize, usize) -> Option<T> + Sync,
) -> Vec<(usize, usize, T)> {
    let is_probe = vec![true; tokens.len()];
    let time = vec![0; tokens.len()];
    let b = Blocking { tokens, keys_per_record, is_probe: &is_probe, time: &time, window: 0 };
    token_block_pairs(&b, accept)
}

fn keys_share(keys: &[&str], tokens: &[String]) -> bool {
    keys.iter().any(|k| tokens.iter().any(|t| t == k))
}

fn dedup_tokens(toks: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = toks.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A block key shared by more records than this is used only when it is a
/// record's rarest token: a common word ("logistics", "renewal") would make
/// every record a candidate of every other and the work quadratic.
pub const MAX_SECOND_KEY_POSTINGS: usize = 1_000;

fn rare_keys<'a>(
    toks: &'a [String],
    postings: &HashMap<&str, Vec<usize>>,
    n: usize,
) -> Vec<&'a str> {
    let mut v = dedup_tokens(toks);
    let size = |t: &&str| postings.get(t).map_or(0, Vec::len);
    v.sort_by_key(|t| (size(t), *t));
    v.truncate(n);
    let mut keep = 0;
    v.retain(|t| {
        keep += 1;
        keep == 1 || size(t) <= MAX_SECOND_KEY_POSTINGS
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_folds_case_accents_punctuation_and_suffixes() {
        assert_eq!(normalize("Crème Brûlée – Ltd."), "creme brulee ltd");
        assert_eq!(normalize("AKZO NOBEL N.V."), "akzo nobel nv");
        assert_eq!(normalize("St. Catherine's"), "st catherines");
        assert_eq!(normalize("ＡＢＣ　ｆｕｌｌ"), "abc full");
        assert_eq!(org_name("* AKZO NOBEL N.V."), "akzo nobel");
        assert_eq!(org_name("Deepstone Energy LLC"), "deepstone energy");
        assert_eq!(org_name("Inc."), "inc");
        assert_eq!(
            title_without_org("Moonhill Dynamics Co. - Security audit", Some("moonhill dynamics")),
            "security audit"
        );
        assert_eq!(title_without_org("Acme", Some("acme")), "acme");
        assert_eq!(title_without_org("Acme - Pilot", None), "acme pilot");
    }

    #[test]
    fn numbers_rule() {
        assert!(numbers_differ("x q1 2026 renewal", "x q2 2026 renewal"));
        assert!(numbers_differ("x 2024 renewal", "x 2025 renewal"));
        assert!(numbers_differ("order #1043", "order #1044"));
        assert!(!numbers_differ("q1 2026", "2026 q1x"));
        assert!(!numbers_differ("pilot", "pilot project"));
    }

    #[test]
    fn jaro_winkler_hand_values() {
        // MARTHA / MARHTA: m = 6, t = 1, jaro = 17/18; prefix 3 → 0.961111…
        assert!(
            (jaro_winkler("martha", "marhta") - (17.0 / 18.0 + 0.3 * (1.0 / 18.0))).abs() < 1e-15
        );
        // Prefix capped at 4 even when 8 characters agree.
        let j = jaro(
            "abcdefgh".chars().collect::<Vec<_>>().as_slice(),
            &"abcdefgx".chars().collect::<Vec<_>>(),
        );
        assert!((jaro_winkler("abcdefgh", "abcdefgx") - (j + 0.4 * (1.0 - j))).abs() < 1e-15);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("a", ""), 0.0);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
    }

    #[test]
    fn token_set_hand_values() {
        assert_eq!(token_set_ratio("b a", "a b c"), 1.0);
        assert_eq!(token_set_ratio("", "a"), 0.0);
        // sect "a", diffs "b" / "c": "a b" vs "a c" differ by 2 indel edits
        // over 6 characters → 2/3, above sect-vs-"a b" = 2·1/(1+3) = 0.5.
        assert!((token_set_ratio("a b", "a c") - 2.0 / 3.0).abs() < 1e-15);
        assert!((ratio("abcd", "abed") - 0.75).abs() < 1e-15);
        let long: String = "ab".repeat(40);
        assert!((ratio(&long, &long) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn union_find_clusters() {
        let mut uf = UnionFind::new(5);
        uf.union(0, 1);
        uf.union(3, 1);
        assert_eq!(uf.find(3), uf.find(0));
        assert_ne!(uf.find(2), uf.find(0));
    }

    #[test]
    fn blocking_finds_pairs_sharing_a_rare_token_only() {
        let toks: Vec<Vec<String>> = ["acme pilot", "acme pilot", "zeta pilot", "omega beta"]
            .iter()
            .map(|s| s.split(' ').map(str::to_owned).collect())
            .collect();
        let pairs = token_block_all(&toks, 1, |_, _| Some(()));
        let ids: Vec<(usize, usize)> = pairs.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(ids, vec![(0, 1)]);
    }

    /// Every pair of the RapidFuzz fixture (written by
    /// `python3 scripts/similarity_fixture.py`, rapidfuzz 3.14.6) to 1e-12.
    #[test]
    fn equals_rapidfuzz_on_1000_pairs() {
        let text = include_str!("../../tests/fixtures/similarity_pairs.jsonl");
        let mut n = 0;
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let (a, b) = (v["a"].as_str().unwrap(), v["b"].as_str().unwrap());
            let jw = v["jaro_winkler"].as_f64().unwrap();
            let ts = v["token_set"].as_f64().unwrap();
            assert!((jaro_winkler(a, b) - jw).abs() < 1e-12, "JW {a:?} {b:?}: {jw}");
            assert!((token_set_ratio(a, b) - ts).abs() < 1e-12, "TSR {a:?} {b:?}: {ts}");
            n += 1;
        }
        assert_eq!(n, 1000);
    }
}
