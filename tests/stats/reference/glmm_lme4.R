# Reference values for tests/stats/test_mixed.py (random-intercept GLMMs), computed with lme4::glmer.
#
# Run from the repository root (needs R with lme4 and jsonlite, e.g. Debian's
# r-base-core r-cran-lme4):
#     Rscript tests/stats/reference/glmm_lme4.R
# Reads tests/stats/reference/glmm_data*.csv (written by make_glmm_data.py) and writes
# tests/stats/reference/glmm_lme4.json. The tests read only the JSON; CI needs no R.
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

here <- "tests/stats/reference"

describe <- function(formula, data_file) {
  # Defaults of glmer: Laplace approximation (nAGQ = 1), use.hessian = TRUE in vcov.
  d <- read.csv(file.path(here, data_file))
  m <- glmer(formula, data = d, family = binomial)
  v_hess <- as.matrix(vcov(m))                       # from the Hessian over (theta, beta)
  # conditional on theta (RX); lme4 warns that it differs from the Hessian one
  v_cond <- as.matrix(suppressWarnings(vcov(m, use.hessian = FALSE)))
  vc <- as.data.frame(VarCorr(m))
  list(
    call = paste0("glmer(", deparse(formula), ", family = binomial)"),
    data = data_file,
    terms = names(fixef(m)),
    estimate = unname(fixef(m)),
    se = unname(sqrt(diag(v_hess))),
    se_conditional_on_theta = unname(sqrt(diag(v_cond))),
    random_sd = as.list(setNames(vc$sdcor, vc$grp)),
    loglik = as.numeric(logLik(m)),
    n_obs = nobs(m),
    singular = isSingular(m),
    convergence_messages = m@optinfo$conv$lme4$messages
  )
}

out <- list(
  r_version = R.version.string,
  lme4_version = as.character(packageVersion("lme4")),
  models = list(
    crossed = describe(y ~ x + (1 | participant) + (1 | item), "glmm_data.csv"),
    crossed_two_predictors = describe(
      y ~ x + experience + (1 | participant) + (1 | item), "glmm_data.csv"
    ),
    participant_only = describe(y ~ x + (1 | participant), "glmm_data.csv"),
    crossed_singular = describe(y ~ x + (1 | participant) + (1 | item), "glmm_data_singular.csv")
  )
)
write_json(out, file.path(here, "glmm_lme4.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
