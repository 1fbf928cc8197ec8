# Reference values for tests/stats/test_mixed.py (beside attention_lme4.R), computed with lme4::lmer:
#   one_group: one grouping factor and 90% Wald intervals, on attention_lmm_data.csv (attention_make_data.py);
#   crossed:   crossed participants and items on lmm_data.csv (lmm_make_data.py), data on which
#              statsmodels' L-BFGS alone stops short of the REML maximum.
#
# Run from the repository root (needs R with lme4 and jsonlite, e.g. Debian's r-cran-lme4):
#     Rscript tests/stats/reference/lmm_lme4.R
# Writes tests/stats/reference/lmm_lme4.json. The tests read only the JSON; CI needs no R.
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})
here <- "tests/stats/reference"

summarise <- function(m, call, level) {
  vc <- as.data.frame(VarCorr(m))
  est <- fixef(m)
  se <- sqrt(diag(as.matrix(vcov(m))))
  ci <- confint(m, parm = "beta_", method = "Wald", level = level)
  list(
    call = call,
    level = level,
    terms = names(est),
    estimate = unname(est),
    se = unname(se),
    z = unname(est / se),
    p_wald = unname(2 * pnorm(-abs(est / se))),
    ci_low = unname(ci[, 1]),
    ci_high = unname(ci[, 2]),
    random_sd = as.list(setNames(vc$sdcor, vc$grp)),
    reml_criterion = as.numeric(REMLcrit(m)),
    n_obs = nobs(m),
    n_levels = as.list(ngrps(m))
  )
}

a <- read.csv(file.path(here, "attention_lmm_data.csv"), colClasses = c(participant = "character", item = "character"))
m1 <- lmer(log_rt ~ surprisal + log_freq + position + (1 | item), data = a, REML = TRUE)
d <- read.csv(file.path(here, "lmm_data.csv"), colClasses = c(participant = "character", item = "character"))
m2 <- lmer(y ~ x + z + (1 | participant) + (1 | item), data = d, REML = TRUE)

out <- list(
  r_version = R.version.string,
  lme4_version = as.character(packageVersion("lme4")),
  one_group = summarise(m1, "lmer(log_rt ~ surprisal + log_freq + position + (1|item), REML = TRUE); Wald CI", 0.90),
  crossed = summarise(m2, "lmer(y ~ x + z + (1|participant) + (1|item), REML = TRUE); Wald CI", 0.95)
)
write_json(out, file.path(here, "lmm_lme4.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
