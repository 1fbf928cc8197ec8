"""Statistics any analysis may use: one function per method, tidy table in, tidy table out.

Every function names its method and its reference, documents each column it
returns, and is tested against an outside value (R, a textbook formula or a
published number; the R scripts are in ``tests/stats/reference/``).

- :mod:`psyai.stats.proportions`: exact binomial intervals and tests; cluster-robust means; Wilson
  intervals, and on the cluster-robust effective n;
- :mod:`psyai.stats.means`: t intervals, the one-sample t test, the Wilcoxon signed-rank test;
- :mod:`psyai.stats.descriptives`: medians, quartiles and cluster medians;
- :mod:`psyai.stats.sdt`: d′ and c, type-2 ROC and AUC;
- :mod:`psyai.stats.agreement`: mid-ranks, Kendall's W, Krippendorff's alpha at every level of measurement
  (string labels included, with and without each coder, item-bootstrap intervals), Fleiss' kappa;
- :mod:`psyai.stats.paired`: pairwise comparisons from rankings, Bradley–Terry scores, win rates;
- :mod:`psyai.stats.correlation`: Spearman's rho with a within-item permutation baseline;
- :mod:`psyai.stats.multiple`: adjusted p values (Holm);
- :mod:`psyai.stats.mixed`: linear and logistic mixed models in lme4's formula syntax, random slopes
  included (REML/ML with Satterthwaite t tests; Laplace), checked against lme4 and lmerTest;
- :mod:`psyai.stats.meta`: random-effects meta-analysis (REML/DL τ², Knapp–Hartung, prediction interval, Q, I²,
  H²; checked against metafor), the forest plot, Simonsohn's small telescopes and d₃₃, TOST equivalence tests;
- :mod:`psyai.stats.bench`: their speed at full study size and the coverage of the Turing-test model.

Analysis scripts (``analysis/``) compose these into results, sentences and reports;
nothing here imports an analysis script.
"""
