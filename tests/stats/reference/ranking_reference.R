# Reference values for tests/analysis/test_ranking.py and tests/stats/ (test_agreement.py, test_paired.py,
# test_proportions.py), computed independently in R.
#
# Run from the repository root (R with sandwich and jsonlite; Debian:
# r-base-core r-cran-sandwich r-cran-jsonlite):
#     Rscript tests/stats/reference/ranking_reference.R
# Reads tests/stats/reference/ranking_trials.csv (written by ranking_make_data.py) and
# writes tests/stats/reference/ranking_reference.json. The tests read only the JSON.
#
# Conventions (as in analysis/ranking.py's docstring): an unranked output (NA rank)
# is tied below every ranked output of its trial for Kendall's W; in pairwise
# comparisons a ranked output beats an unranked one, two unranked outputs are not
# compared, a tie is half a win each, and outputs of the same model are not compared.
suppressPackageStartupMessages({
  library(sandwich)
  library(jsonlite)
})

here <- "tests/stats/reference"
d <- read.csv(file.path(here, "ranking_trials.csv"), stringsAsFactors = FALSE)
d$trial <- paste(d$participant, d$session, d$trial_index, d$prompt_id)
d$midrank <- ave(ifelse(is.na(d$rank), Inf, d$rank), d$trial,
                 FUN = function(r) rank(r, ties.method = "average"))
out <- list()

# --- Kendall's W from R's Friedman test (tie-corrected): W = chi2 / (m (n - 1))
w_from_friedman <- function(mat) {
  f <- friedman.test(mat)
  m <- nrow(mat); n <- ncol(mat)
  list(w = unname(f$statistic) / (m * (n - 1)), chi2 = unname(f$statistic), dof = unname(f$parameter),
       p = f$p.value, m = m, n = n)
}
# hand example: 3 raters, 4 objects, rater 2 ties objects 2 and 3
hand <- rbind(c(1, 2, 3, 4), c(1, 2.5, 2.5, 4), c(2, 1, 3, 4))
out$kendall_hand <- c(list(ranks = hand), w_from_friedman(hand))
out$kendall_w <- lapply(split(d, d$prompt_id), function(s) {
  mat <- tapply(s$midrank, list(s$participant, s$item_id), function(x) x[1])
  w_from_friedman(mat)
})

# --- pairwise comparisons of outputs of different models within a trial
pairs <- do.call(rbind, lapply(split(d, d$trial), function(s) {
  rows <- list()
  for (i in seq_len(nrow(s) - 1)) for (j in (i + 1):nrow(s)) {
    a <- s[i, ]; b <- s[j, ]
    if (a$model == b$model || (is.na(a$rank) && is.na(b$rank))) next
    ra <- ifelse(is.na(a$rank), Inf, a$rank); rb <- ifelse(is.na(b$rank), Inf, b$rank)
    y <- if (ra < rb) 1 else if (ra > rb) 0 else 0.5
    if (a$model > b$model) { tmp <- a; a <- b; b <- tmp; y <- 1 - y }
    rows[[length(rows) + 1]] <- data.frame(participant = a$participant, model_a = a$model, model_b = b$model,
                                           outcome = y)
  }
  do.call(rbind, rows)
}))
out$n_comparisons <- nrow(pairs)

# --- Bradley-Terry as a binomial GLM on the aggregated (fractional) win counts
models <- sort(unique(c(pairs$model_a, pairs$model_b)))
agg <- aggregate(outcome ~ model_a + model_b, data = pairs, FUN = function(y) c(w = sum(y), n = length(y)))
agg <- data.frame(model_a = agg$model_a, model_b = agg$model_b, w = agg$outcome[, "w"], n = agg$outcome[, "n"])
X <- matrix(0, nrow(agg), length(models), dimnames = list(NULL, models))
for (k in seq_len(nrow(agg))) { X[k, agg$model_a[k]] <- 1; X[k, agg$model_b[k]] <- -1 }
X <- X[, -1, drop = FALSE]  # the first model is the reference (score 0)
fit <- suppressWarnings(glm(cbind(agg$w, agg$n - agg$w) ~ 0 + X, family = binomial))
out$bradley_terry <- list(reference = models[1], models = models[-1], estimate = unname(coef(fit)),
                          se = unname(sqrt(diag(vcov(fit)))))

# --- cluster-robust (CR1) mean of y with participants as clusters: lm(y ~ 1) + sandwich::vcovCL
clustered <- function(y, cluster) {
  f <- lm(y ~ 1)
  se <- sqrt(vcovCL(f, cluster = cluster, type = "HC1")[1, 1])
  g <- length(unique(cluster))
  est <- unname(coef(f))
  half <- qt(0.975, g - 1) * se
  list(estimate = est, se = se, ci = c(est - half, est + half), t = (est - 0.5) / se,
       p = 2 * pt(-abs((est - 0.5) / se), g - 1), n = length(y), g = g)
}
# Win-rate interval: Wilson (1927) score interval on the cluster-robust effective n,
# n_eff = min(n, p (1 - p) / V_CR1) (Kish's design effect, truncated at 1), with the t(G - 1)
# quantile; written out from the formula, independently of psyai.stats.proportions.wilson_interval.
wilson <- function(p, n, q) {
  centre <- p + q^2 / (2 * n)
  half <- q * sqrt(p * (1 - p) / n + q^2 / (4 * n^2))
  c(centre - half, centre + half) / (1 + q^2 / n)
}
out$win_rates <- lapply(split(pairs, paste(pairs$model_a, pairs$model_b)), function(s) {
  r <- clustered(s$outcome, s$participant)
  n_eff <- min(r$n, r$estimate * (1 - r$estimate) / r$se^2)
  c(list(model = s$model_a[1], opponent = s$model_b[1]), r,
    list(n_eff = n_eff, wilson_ci = wilson(r$estimate, n_eff, qt(0.975, r$g - 1))))
})
names(out$win_rates) <- NULL
# Holm over the win-rate tests (every pair of models) and over the per-prompt Friedman tests of W
out$win_rates_p_holm <- p.adjust(sapply(out$win_rates, function(r) r$p), method = "holm")
out$kendall_w_p_holm <- as.list(p.adjust(sapply(out$kendall_w, function(r) r$p), method = "holm"))

out$likert <- list()
for (scale in c("helpfulness", "truthfulness", "harmlessness")) for (m in models) {
  s <- d[d$model == m & !is.na(d[[scale]]), ]
  r <- clustered(s[[scale]], s$participant)
  out$likert[[length(out$likert) + 1]] <- list(model = m, scale = scale, mean = mean(s[[scale]]),
                                               sd = sd(s[[scale]]), se = r$se, ci = r$ci, n = nrow(s))
}
out$flags <- list()
for (flag in c("flag_harmful", "flag_invented_facts")) for (m in models) {
  s <- d[d$model == m, ]
  y <- as.numeric(as.logical(s[[flag]]))
  r <- clustered(y, s$participant)
  out$flags[[length(out$flags) + 1]] <- list(model = m, flag = flag, rate = mean(y), se = r$se, ci = r$ci,
                                             n_flagged = sum(y))
}
# --- mid-ranks within each trial, one per row of ranking_trials.csv (in file order): R's rank(ties = "average")
out$midrank <- d$midrank
out$r_version <- R.version.string
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "ranking_reference.json"))
