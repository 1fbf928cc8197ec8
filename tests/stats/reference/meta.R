# Reference values for tests/stats/test_meta.py, computed in R with metafor and pwr.
#
# Run from the repository root (Debian: r-base-core r-cran-metafor r-cran-pwr r-cran-jsonlite):
#     Rscript tests/stats/reference/meta.R
# Writes tests/stats/reference/meta.json. The tests read only the JSON.
#
# Random-effects models: rma(yi, vi, method = "REML" | "DL", test = "knha" | "z") with metafor's
# defaults otherwise (no Knapp-Hartung truncation), and the prediction interval from predict().
# d33 (Simonsohn, 2015): the effect the original study had 33% (1/3) power to detect, two-sided
# alpha = .05, from pwr (the package Simonsohn's own small-telescopes code calls).
suppressPackageStartupMessages({
  library(metafor)
  library(pwr)
  library(jsonlite)
})
here <- "tests/stats/reference"

fit_case <- function(yi, vi, method, test) {
  res <- rma(yi, vi, method = method, test = test)
  pr <- predict(res)
  list(method = method, test = test,
       estimate = as.numeric(res$b), se = res$se, ci = c(res$ci.lb, res$ci.ub),
       pi = c(pr$pi.lb, pr$pi.ub), tau2 = res$tau2, i2 = res$I2, h2 = res$H2,
       q = res$QE, q_df = res$k - 1, q_p = res$QEp, statistic = res$zval, p_val = res$pval,
       dof = if (test == "knha") res$ddf[[1]] else NULL)
}
cases <- function(yi, vi) {
  list(yi = yi, vi = vi,
       fits = list(fit_case(yi, vi, "REML", "knha"), fit_case(yi, vi, "REML", "z"),
                   fit_case(yi, vi, "DL", "knha"), fit_case(yi, vi, "DL", "z")))
}

# (a) metafor's own example: BCG vaccine trials, log risk ratios (Colditz et al., 1994)
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg <- cases(as.numeric(dat$yi), as.numeric(dat$vi))

# (b) a psyai-like class: 8 groups' accuracy - 0.5 with their standard errors
groups_y <- c(0.08, 0.12, 0.03, 0.10, 0.15, 0.06, 0.11, 0.02)
groups_se <- c(0.030, 0.040, 0.025, 0.050, 0.035, 0.030, 0.045, 0.040)
groups <- cases(groups_y, groups_se^2)

# (c) three groups
three <- cases(c(0.21, 0.05, 0.12), c(0.004, 0.006, 0.005))

# (d) four homogeneous groups: tau^2 = 0 at the boundary
homogeneous <- cases(c(0.10, 0.11, 0.09, 0.10), c(0.004, 0.005, 0.006, 0.004))

d33 <- list(
  two_sample_n20 = list(design = "two_sample", n = 20, d33 = pwr.t2n.test(n1 = 20, n2 = 20, power = 1/3)$d),
  two_sample_n50 = list(design = "two_sample", n = 50, d33 = pwr.t2n.test(n1 = 50, n2 = 50, power = 1/3)$d),
  one_sample_n30 = list(design = "one_sample", n = 30,
                        d33 = pwr.t.test(n = 30, power = 1/3, type = "one.sample")$d),
  paired_n100 = list(design = "paired", n = 100, d33 = pwr.t.test(n = 100, power = 1/3, type = "paired")$d),
  correlation_n50 = list(design = "correlation", n = 50, d33 = pwr.r.test(n = 50, power = 1/3)$r),
  one_sample_n30_alpha10 = list(design = "one_sample", n = 30, alpha = 0.10,
                                d33 = pwr.t.test(n = 30, power = 1/3, sig.level = 0.10, type = "one.sample")$d)
)

# power itself at given effects (d33_for solves these for power = 1/3; pwr's own solver stops at ~1e-4)
power_at <- list(
  list(design = "one_sample", n = 30, d = 0.3, power = pwr.t.test(n = 30, d = 0.3, type = "one.sample")$power),
  list(design = "paired", n = 12, d = 0.8, power = pwr.t.test(n = 12, d = 0.8, type = "paired")$power),
  list(design = "two_sample", n = 20, d = 0.5, power = pwr.t2n.test(n1 = 20, n2 = 20, d = 0.5)$power),
  list(design = "two_sample", n = 200, d = 0.1, power = pwr.t2n.test(n1 = 200, n2 = 200, d = 0.1)$power),
  list(design = "correlation", n = 50, r = 0.25, power = pwr.r.test(n = 50, r = 0.25)$power)
)

out <- list(
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  pwr_version = as.character(packageVersion("pwr")),
  bcg = bcg, groups = groups, three = three, homogeneous = homogeneous,
  d33 = d33, power_at = power_at
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"), file.path(here, "meta.json"))
