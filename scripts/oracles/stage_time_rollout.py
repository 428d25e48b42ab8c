"""scipy/numpy reference values for src/stats (Mann-Whitney, KS, Hodges-Lehmann,
Fisher, Kaplan-Meier), used as constants in their tests.

Run: python3 scripts/oracles/stage_time_rollout.py (scipy 1.17.1, numpy 2.x).
"""
import numpy as np
from scipy.stats import mannwhitneyu, ks_2samp, fisher_exact, ecdf, CensoredData
A = [1.2, 3.4, 0.5, 7.1, 2.2]; B = [4.4, 5.0, 6.3, 8.8, 9.1, 2.9]
C = [1.0, 2.0, 3.0]; D = [float(v) for v in range(4, 16)]
E = [1,2,2,3,3,3,4,5,6,7]; F = [2,3,4,4,5,5,6,8,9,9,10]
G = [(i*37 % 101)/7.0 for i in range(20)]; H = [(i*53 % 97)/6.0 + 1.5 for i in range(25)]
I = [1,2,2]; J = [2,3,4]
for name,(x,y) in dict(AB=(A,B),CD=(C,D),EF=(E,F),GH=(G,H),IJ=(I,J)).items():
    r = mannwhitneyu(x, y, alternative='two-sided', method='auto')
    print('MW', name, repr(float(r.statistic)), repr(float(r.pvalue)))
K = [0.3,1.1,2.5,3.3,4.8,5.0,6.1,7.7,8.2,9.9]; L = [2.0,3.1,4.4,5.5,6.6,7.0,8.8,9.5,10.2,11.9]
M = [1.5,2.5,3.5,4.5,5.5,6.5,7.5,8.5]; N = [0.5+0.9*i for i in range(13)]
O = [float(i % 7) for i in range(15)]; P = [float((i*3) % 9) for i in range(20)]
Q = [(i*37 % 101)/7.0 for i in range(60)]; R = [(i*53 % 97)/6.0 + 2.5 for i in range(45)]
for name,(x,y) in dict(KL=(K,L),MN=(M,N),OP=(O,P),QR=(Q,R),CC=(C,C)).items():
    r = ks_2samp(x, y, alternative='two-sided', method='auto')
    print('KS', name, repr(float(r.statistic)), repr(float(r.pvalue)))
for name,(x,y) in dict(AB=(A,B),EF=(E,F),GH=(G,H)).items():
    diffs = np.subtract.outer(np.array(y, float), np.array(x, float))
    print('HL', name, repr(float(np.median(diffs))))
TABLES = [[[8,2],[1,5]], [[40,160],[50,150]], [[72,288],[80,260]], [[3,1],[1,3]],
          [[10,0],[0,10]], [[5,5],[5,5]]]
for t in TABLES:
    print('FI', t, repr(float(fisher_exact(t).pvalue)))
times = [2.,3.,3.,5.,6.,7.,8.,8.,9.,12.,15.,15.]; events = [1,1,0,1,0,1,1,1,0,1,0,0]
def km_median(times, events):
    unc = [t for t,e in zip(times,events) if e]; cen = [t for t,e in zip(times,events) if not e]
    res = ecdf(CensoredData(uncensored=unc, right=cen))
    q = res.sf.quantiles
    p = res.sf.probabilities
    idx = np.nonzero(p <= 0.5)[0]
    return float(q[idx[0]]) if len(idx) else None
print('KM1', km_median(times, events))
print('KM2', km_median([1.,2.,3.,4.], [1,1,1,1]))
print('KM3', km_median([1.,2.,3.,4.,5.], [1,0,0,0,0]))
print('KM4', km_median([1.,1.,2.,2.,3.,3.,4.,6.], [1,1,0,1,1,0,1,1]))
