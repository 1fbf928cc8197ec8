# Reference values for tests/stats/test_mixed.py, computed with lme4 (lmer, glmer), lmerTest
# (Satterthwaite and Kenward-Roger df) and confint(method = "profile").
#
# Run from the repository root (Debian: r-base-core r-cran-lme4 r-cran-lmertest r-cran-pbkrtest r-cran-jsonlite):
#     python tests/stats/reference/mixed_make_data.py
#     Rscript tests/stats/reference/mixed_lme4.R
# Writes tests/stats/reference/mixed_lme4.json; the tests read only the JSON.
suppressPackageStartupMessages({
  library(lme4)
  library(lmerTest)
  library(jsonlite)
})

here <- "tests/stats/reference"

ranpars <- function(m) {
  vc <- as.data.frame(VarCorr(m))
  name <- ifelse(is.na(vc$var2), paste0("sd__", vc$var1), paste0("cor__", vc$var1, ".", vc$var2))
  name[vc$grp == "Residual"] <- "sd__Observation"
  setNames(as.list(vc$sdcor), paste0(vc$grp, ":", name))
}

describe_lmm <- function(formula, d, label) {
  m <- lmer(formula, data = d, REML = TRUE)
  s <- summary(m, ddf = "Satterthwaite")$coefficients
  kr <- summary(m, ddf = "Kenward-Roger")$coefficients
  ci <- confint(m, method = "profile", parm = "beta_", oldNames = FALSE)
  list(
    call = paste0("lmer(", deparse(formula), ", REML = TRUE)"), data = label,
    terms = rownames(s), estimate = unname(s[, "Estimate"]), se = unname(s[, "Std. Error"]),
    df_satterthwaite = unname(s[, "df"]), t = unname(s[, "t value"]), p_satterthwaite = unname(s[, "Pr(>|t|)"]),
    df_kenward_roger = unname(kr[, "df"]), se_kenward_roger = unname(kr[, "Std. Error"]),
    profile_low = unname(ci[, 1]), profile_high = unname(ci[, 2]),
    random = ranpars(m), loglik = as.numeric(logLik(m)), n_obs = nobs(m), singular = isSingular(m)
  )
}

describe_glmm <- function(formula, d, label) {
  m <- glmer(formula, data = d, family = binomial)
  v_hess <- as.matrix(vcov(m))
  v_cond <- as.matrix(suppressWarnings(vcov(m, use.hessian = FALSE)))
  list(
    call = paste0("glmer(", deparse(formula), ", family = binomial)"), data = label,
    terms = names(fixef(m)), estimate = unname(fixef(m)), se = unname(sqrt(diag(v_hess))),
    se_conditional_on_theta = unname(sqrt(diag(v_cond))),
    random = ranpars(m), loglik = as.numeric(logLik(m)), n_obs = nobs(m), singular = isSingular(m)
  )
}

lmm <- read.csv(file.path(here, "mixed_slopes_lmm.csv"))
glmm <- read.csv(file.path(here, "mixed_slopes_glmm.csv"))
out <- list(
  r_version = R.version.string,
  lme4_version = as.character(packageVersion("lme4")),
  lmerTest_version = as.character(packageVersion("lmerTest")),
  models = list(
    sleepstudy = describe_lmm(Reaction ~ Days + (Days | Subject), sleepstudy, "lme4::sleepstudy"),
    lmm_slopes = describe_lmm(y ~ x + z + (1 + x | participant) + (1 | item), lmm, "mixed_slopes_lmm.csv"),
    lmm_slopes_uncorrelated = describe_lmm(y ~ x + z + (1 + x || participant) + (1 | item), lmm,
                                           "mixed_slopes_lmm.csv"),
    glmm_slopes = describe_glmm(y ~ source + (1 + source | participant) + (1 | item), glmm,
                                "mixed_slopes_glmm.csv")
  )
)
write_json(out, file.path(here, "mixed_lme4.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
