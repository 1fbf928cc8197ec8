# Reference values for tests/stats/test_mixed.py, computed with lme4::lmer.
#
# Run from the repository root (needs R with lme4 and jsonlite, e.g. Debian's r-cran-lme4):
#     Rscript tests/stats/reference/attention_lme4.R
# Reads tests/stats/reference/attention_lmm_data.csv (written by attention_make_data.py) and
# writes tests/stats/reference/attention_lme4.json. The tests read only the JSON; CI needs no R.
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})
here <- "tests/stats/reference"
d <- read.csv(file.path(here, "attention_lmm_data.csv"), colClasses = c(participant = "character", item = "character"))
m <- lmer(log_rt ~ surprisal + attention + length + log_freq + position + (1 | participant) + (1 | item),
          data = d, REML = TRUE)
vc <- as.data.frame(VarCorr(m))
out <- list(
  r_version = R.version.string,
  lme4_version = as.character(packageVersion("lme4")),
  call = "lmer(log_rt ~ surprisal + attention + length + log_freq + position + (1|participant) + (1|item), REML = TRUE)",
  terms = names(fixef(m)),
  estimate = unname(fixef(m)),
  se = unname(sqrt(diag(as.matrix(vcov(m))))),
  random_sd = as.list(setNames(vc$sdcor, vc$grp)),
  reml_criterion = as.numeric(REMLcrit(m)),
  n_obs = nobs(m)
)
write_json(out, file.path(here, "attention_lme4.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
