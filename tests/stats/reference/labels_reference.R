# Reference values for tests/stats/test_agreement.py (labels: Krippendorff's alpha at each level,
# alpha without each coder, Fleiss' kappa), computed with R's irr package (0.84.1).
#
# Run from the repository root (R with irr and jsonlite; irr is on CRAN, jsonlite is Debian's
# r-cran-jsonlite):
#     Rscript tests/stats/reference/labels_reference.R
# Reads labels_data.csv and labels_complete.csv (written by labels_make_data.py) and writes
# labels_reference.json. The tests read only the JSON.
#
# A caution about irr::kripp.alpha (0.84.1): when the matrix has no missing value it divides
# each unit's pairs by 1 instead of m_u - 1, which is wrong for three or more coders (a complete
# 3 x 8 matrix gives .508 where Krippendorff's formula gives .518; add one unit coded once, which
# changes nothing in alpha, and irr gives .518). Every matrix given to kripp.alpha here has a
# missing value, so irr computes Krippendorff's alpha there; alpha() below checks it.
suppressPackageStartupMessages({
  library(irr)
  library(jsonlite)
})

here <- "tests/stats/reference"
categories <- c("none", "offensive", "hateful")

alpha <- function(m, method) {
  stopifnot(any(is.na(m)))  # see the caution above
  # a character matrix: irr also converts its labels to numbers, which only interval and ratio use
  suppressWarnings(kripp.alpha(m, method)$value)
}

# coders x units matrix from the long table
wide <- function(d, value) {
  coders <- sort(unique(d$annotator)); units <- sort(unique(d$item))
  m <- matrix(NA, nrow = length(coders), ncol = length(units), dimnames = list(coders, units))
  for (r in seq_len(nrow(d))) m[d$annotator[r], d$item[r]] <- d[[value]][r]
  m
}

d <- read.csv(file.path(here, "labels_data.csv"), stringsAsFactors = FALSE, na.strings = "")
label <- wide(d, "label")                                   # character: nominal categories
d$label_code <- match(d$label, categories)                  # none = 1 < offensive = 2 < hateful = 3
label_ordinal <- wide(d, "label_code")
score <- wide(d, "score")
out <- list()

out$label <- list(nominal = alpha(label, "nominal"), ordinal = alpha(label_ordinal, "ordinal"),
                  interval = alpha(label_ordinal, "interval"))
out$score <- sapply(c("nominal", "ordinal", "interval", "ratio"), function(l) alpha(score, l), simplify = FALSE)

# alpha of the other coders, each coder left out in turn
without <- function(m, method) sapply(rownames(m), function(c) alpha(m[rownames(m) != c, , drop = FALSE], method),
                                      simplify = FALSE)
out$label_without <- list(nominal = without(label, "nominal"), ordinal = without(label_ordinal, "ordinal"))
out$score_without <- list(interval = without(score, "interval"))

# Krippendorff (2011), section C: observers A-D, units 1-12
kripp <- rbind(c(1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA),
               c(1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3),
               c(NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA),
               c(1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA))
rownames(kripp) <- c("A", "B", "C", "D")
out$kripp2011 <- sapply(c("nominal", "ordinal", "interval", "ratio"), function(l) alpha(kripp, l), simplify = FALSE)
out$kripp2011_without <- sapply(c("nominal", "ordinal", "interval"), function(l) without(kripp, l), simplify = FALSE)

# Fleiss' kappa: units x raters, every unit rated 4 times
cd <- read.csv(file.path(here, "labels_complete.csv"), stringsAsFactors = FALSE)
ratings <- t(wide(cd, "label"))
stopifnot(!any(is.na(ratings)))
fk <- kappam.fleiss(ratings, detail = TRUE)
detail <- unclass(fk$detail)
out$fleiss <- list(kappa = fk$value, z = unname(fk$statistic), p = fk$p.value, subjects = fk$subjects,
                   raters = fk$raters,
                   categories = rownames(detail),                # alphabetical, as irr orders them
                   category_kappa = unname(detail[, "Kappa"]),   # irr rounds these to 3 decimals
                   category_z = unname(detail[, "z"]))

out$versions <- list(R = paste(R.version$major, R.version$minor, sep = "."),
                     irr = as.character(packageVersion("irr")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "labels_reference.json"))
