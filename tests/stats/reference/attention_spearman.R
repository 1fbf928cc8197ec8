# Reference values for the attention analysis's human-model agreement
# (tests/analysis/test_attention.py::test_agreement_matches_r_cor_spearman), computed in base R.
#
# Run from the repository root (R with jsonlite; Debian: r-base-core r-cran-jsonlite):
#     .venv/bin/python tests/stats/reference/attention_spearman_make_data.py
#     Rscript tests/stats/reference/attention_spearman.R
# Reads attention_spearman_data.csv, writes attention_spearman.json. The tests read only the JSON.
suppressPackageStartupMessages(library(jsonlite))
here <- "tests/stats/reference"
d <- read.csv(file.path(here, "attention_spearman_data.csv"), stringsAsFactors = FALSE)

# One row per word: its saliency, length, log frequency.
words <- unique(d[, c("item", "word_index", "saliency", "length", "log_freq")])
words <- words[order(words$item, words$word_index), ]

# Raw score (--human-score raw): the mean fixation time over participants, a skipped word counting as 0 ms.
raw <- aggregate(value ~ item + word_index, data = d, FUN = mean)

# Residual score (--human-score residual): log time (skipped words left out) regressed on length, log
# frequency and position by OLS over all rows; the residuals averaged over participants per word.
fixated <- d[d$value > 0, ]
fixated$resid <- residuals(lm(log(value) ~ length + log_freq + position, data = fixated))
resid <- aggregate(resid ~ item + word_index, data = fixated, FUN = mean)

per_item <- function(score, column) {
  m <- merge(words, score, by = c("item", "word_index"))
  m <- m[order(m$item, m$word_index), ]
  items <- sort(unique(m$item))
  one <- function(it, other) {
    s <- m[m$item == it, ]
    cor(s[[column]], s[[other]], method = "spearman")
  }
  list(item = items,
       rho = sapply(items, one, other = "saliency", USE.NAMES = FALSE),
       rho_length = sapply(items, one, other = "length", USE.NAMES = FALSE),
       rho_freq = sapply(items, one, other = "log_freq", USE.NAMES = FALSE))
}
r_raw <- per_item(raw, "value")
r_res <- per_item(resid, "resid")
summarise <- function(r) c(r, list(mean_rho = mean(r$rho), mean_rho_length = mean(r$rho_length),
                                   mean_rho_freq = mean(r$rho_freq)))
out <- list(raw = summarise(r_raw), residual = summarise(r_res),
            r_version = R.version.string)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(here, "attention_spearman.json"))
