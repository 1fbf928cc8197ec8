# Reference values for tests/stats/test_means.py and test_proportions.py, computed in R.
#
# Run from the repository root (R with jsonlite; Debian: r-base-core r-cran-jsonlite):
#     Rscript tests/stats/reference/means_reference.R
# Writes tests/stats/reference/means_reference.json. The tests read only the JSON.
suppressPackageStartupMessages(library(jsonlite))
here <- "tests/stats/reference"

x <- c(8.1, 9.4, 10.2, 7.7, 8.8, 9.9, 9.0, 8.3, 10.6, 7.9)
t95 <- t.test(x, mu = 10)
t90 <- t.test(x, mu = 10, conf.level = 0.90)

wx <- c(0.12, -0.05, 0.31, 0.08, 0.22, -0.11, 0.17, 0.26, 0.04, 0.19, -0.02, 0.14)
we <- wilcox.test(wx, mu = 0)
wt <- c(1.5, 2.0, 0.5, 1.5, 2.0, 1.0, 3.0, 0.5, 1.5, 2.5)  # ties, and one value equal to mu
wa <- suppressWarnings(wilcox.test(wt, mu = 1))  # R: normal approximation with continuity correction

b <- binom.test(7, 20, p = 0.3)
b90 <- binom.test(7, 20, p = 0.3, conf.level = 0.90)

out <- list(
  r_version = R.version.string,
  ttest_below = list(x = x, mean = mean(x), t = unname(t95$statistic), dof = unname(t95$parameter), p = t95$p.value,
                     ci = as.numeric(t95$conf.int), ci90 = as.numeric(t90$conf.int), cohen_d = (mean(x) - 10) / sd(x)),
  wilcox_exact = list(x = wx, v = unname(we$statistic), p = we$p.value),
  wilcox_ties = list(x = wt, v = unname(wa$statistic), p = wa$p.value),
  binom_7_20_p30 = list(k = 7, n = 20, null = 0.3, p = b$p.value, ci = as.numeric(b$conf.int),
                        ci90 = as.numeric(b90$conf.int))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "means_reference.json"))
