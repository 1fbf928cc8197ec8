# Reference values for tests/analysis/test_turing_test.py and tests/stats/, computed independently in R.
#
# Run from the repository root (R with lme4, pROC and jsonlite; Debian:
# r-base-core r-cran-lme4 r-cran-proc r-cran-jsonlite):
#     Rscript tests/stats/reference/turing_reference.R
# Reads tests/stats/reference/turing_trials.csv (written by turing_make_data.py) and
# writes tests/stats/reference/turing_reference.json. The tests read only the JSON.
suppressPackageStartupMessages({
  library(lme4)
  library(pROC)
  library(jsonlite)
})

here <- "tests/stats/reference"
d <- read.csv(file.path(here, "turing_trials.csv"), stringsAsFactors = FALSE)
d$correct <- d$response == d$source
d$said_model <- d$response == "model"
d$judged_human <- d$response == "human"

ttest <- function(x, mu) {
  t <- t.test(x, mu = mu)
  list(n = length(x), mean = mean(x), sd = sd(x), ci = unname(as.numeric(t$conf.int)),
       t = unname(t$statistic), dof = unname(t$parameter), p = t$p.value,
       cohen_d = (mean(x) - mu) / sd(x))
}
binom <- function(k, n) {
  b <- binom.test(k, n, p = 0.5)
  list(k = k, n = n, estimate = k / n, ci = as.numeric(b$conf.int), p = b$p.value)
}
participants <- sort(unique(d$participant))

# accuracy: pooled exact binomial, per-participant t test against .5
acc <- sapply(participants, function(p) mean(d$correct[d$participant == p]))

# d' and c per participant, log-linear correction (Hautus, 1995), qnorm from R
sdt <- t(sapply(participants, function(p) {
  s <- d[d$participant == p, ]
  nm <- sum(s$source == "model"); nh <- sum(s$source == "human")
  h <- sum(s$source == "model" & s$said_model); f <- sum(s$source == "human" & s$said_model)
  zh <- qnorm((h + 0.5) / (nm + 1)); zf <- qnorm((f + 0.5) / (nh + 1))
  c(dprime = zh - zf, criterion = -(zh + zf) / 2)
}))

# type-2 AUC with pROC: cases = correct trials, controls = incorrect, predictor = confidence
auc2 <- function(s) {
  as.numeric(auc(roc(response = s$correct, predictor = s$confidence, levels = c(FALSE, TRUE),
                     direction = "<", quiet = TRUE)))
}
aucs <- sapply(participants, function(p) auc2(d[d$participant == p, ]))

# judged human per source: pooled Clopper-Pearson, participant-clustered t interval
jh <- lapply(c(human = "human", model = "model"), function(src) {
  s <- d[d$source == src, ]
  rates <- sapply(participants, function(p) mean(s$judged_human[s$participant == p]))
  c(binom(sum(s$judged_human), nrow(s)), list(participant = ttest(rates, 0.5)))
})

# RT quantiles (type 7 = numpy's default)
rt <- lapply(c(human = "human", model = "model"), function(src) {
  as.numeric(quantile(d$rt[d$source == src], c(0.25, 0.5, 0.75), type = 7))
})

# GLMM: crossed random intercepts, Laplace ML (glmer defaults)
d$x <- ifelse(d$source == "model", 0.5, -0.5)
m <- glmer(said_model ~ x + (1 | participant) + (1 | item_id), data = d, family = binomial)
vc <- as.data.frame(VarCorr(m))
# The analysis's default model (psyai.stats.mixed.TURING_GLMM): judged human by source, human = +0.5,
# model = -0.5, by-participant random slopes
d$judged_human <- as.integer(d$response == "human")
d$src <- ifelse(d$source == "human", 0.5, -0.5)
m2 <- glmer(judged_human ~ src + (1 + src | participant) + (1 | item_id), data = d, family = binomial)
ranpars <- function(m) {
  vc <- as.data.frame(VarCorr(m))
  grp <- sub("\\.[0-9]+$", "", vc$grp)  # (1 + x || g) names its groups g and g.1
  as.list(setNames(vc$sdcor, ifelse(is.na(vc$var2), paste0(grp, ":sd__", vc$var1),
                                    paste0(grp, ":cor__", vc$var1, ".", vc$var2))))
}
describe <- function(m, call) {
  list(call = call, terms = names(fixef(m)), estimate = unname(fixef(m)), se = unname(sqrt(diag(as.matrix(vcov(m))))),
       random = ranpars(m), loglik = as.numeric(logLik(m)), singular = isSingular(m))
}
m3 <- glmer(judged_human ~ src + (1 + src || participant) + (1 | item_id), data = d, family = binomial)

# small hand examples
small_correct <- c(TRUE, TRUE, TRUE, TRUE, FALSE, FALSE, FALSE)
small_conf <- c(6, 5, 4, 2, 3, 2, 1)
fixed_acc <- c(0.55, 0.62, 0.48, 0.71, 0.66, 0.59, 0.53, 0.60)

out <- list(
  r_version = R.version.string,
  packages = list(lme4 = as.character(packageVersion("lme4")), pROC = as.character(packageVersion("pROC"))),
  data = "turing_trials.csv",
  binom_37_60 = binom(37, 60),
  ttest_fixed_acc = c(list(x = fixed_acc), ttest(fixed_acc, 0.5)),
  auc_small = list(correct = small_correct, confidence = small_conf,
                   auc = as.numeric(auc(roc(response = small_correct, predictor = small_conf,
                                            levels = c(FALSE, TRUE), direction = "<", quiet = TRUE)))),
  dprime_21_25_8_30 = list(hits = 21, n_signal = 25, false_alarms = 8, n_noise = 30,
                           dprime = qnorm(21.5 / 26) - qnorm(8.5 / 31),
                           criterion = -(qnorm(21.5 / 26) + qnorm(8.5 / 31)) / 2),
  dprime_30_30_0_30 = list(hits = 30, n_signal = 30, false_alarms = 0, n_noise = 30,
                           dprime = qnorm(30.5 / 31) - qnorm(0.5 / 31),
                           criterion = -(qnorm(30.5 / 31) + qnorm(0.5 / 31)) / 2),
  cohort = list(
    n_participants = length(participants), n_trials = nrow(d),
    accuracy_binom = binom(sum(d$correct), nrow(d)),
    accuracy_ttest = ttest(acc, 0.5),
    participant_accuracy = as.list(acc),
    dprime = as.list(sdt[, "dprime"]), criterion = as.list(sdt[, "criterion"]),
    dprime_ttest = ttest(sdt[, "dprime"], 0), criterion_ttest = ttest(sdt[, "criterion"], 0),
    type2_auc = as.list(aucs), type2_ttest = ttest(aucs, 0.5), type2_pooled = auc2(d),
    judged_human = jh, rt_quartiles = rt,
    glmm = list(call = "glmer(said_model ~ x + (1 | participant) + (1 | item_id), family = binomial)",
                terms = names(fixef(m)), estimate = unname(fixef(m)),
                se = unname(sqrt(diag(as.matrix(vcov(m))))),
                random_sd = as.list(setNames(vc$sdcor, vc$grp)), loglik = as.numeric(logLik(m))),
    glmm_slopes = describe(m2, "glmer(judged_human ~ src + (1 + src | participant) + (1 | item_id), family = binomial)"),
    glmm_slopes_uncorrelated = describe(
      m3, "glmer(judged_human ~ src + (1 + src || participant) + (1 | item_id), family = binomial)")
  )
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "turing_reference.json"))
