# Reference values for tests/stats/test_correlation.py, computed in base R.
#
# Run from the repository root (R with jsonlite; Debian: r-base-core r-cran-jsonlite):
#     Rscript tests/stats/reference/correlation_reference.R
# Writes tests/stats/reference/correlation_reference.json. The tests read only the JSON.
suppressPackageStartupMessages(library(jsonlite))
here <- "tests/stats/reference"

# Spearman's rho: cor() ranks with mid-ranks for ties (rank(ties.method = "average")), then Pearson.
x1 <- c(3.1, 1.2, 4.4, 1.2, 5.0, 2.7, 3.1, 0.4, 2.2, 4.4, 3.9, 1.8)  # ties in x
y1 <- c(2, 1, 3, 1, 3, 2, 2, 0, 1, 3, 2, 1)                          # many ties in y
x2 <- c(0.52, -1.10, 0.33, 1.87, -0.45, 0.91, -0.08, 1.20)
y2 <- c(0.61, -0.70, -0.20, 1.10, 0.05, 0.48, 0.30, 0.95)            # no ties

# The permutation null of rho with x fixed and y shuffled, by exact enumeration of all n! orders.
perms <- function(n) {  # every permutation of 1..n, one per row
  if (n == 1) return(matrix(1L, 1, 1))
  p <- perms(n - 1)
  do.call(rbind, lapply(seq_len(n), function(i) cbind(i, ifelse(p >= i, p + 1L, p))))
}
xp <- c(0.8, 2.1, 2.1, 3.5, 1.4, 4.2, 3.0)  # n = 7: 5040 orders; ties on both sides
yp <- c(1, 3, 2, 3, 1, 4, 4)
rho_obs <- cor(xp, yp, method = "spearman")
P <- perms(length(yp))
null <- apply(P, 1, function(idx) cor(xp, yp[idx], method = "spearman"))
xq <- c(1.5, 0.2, 2.8, 2.2, 0.9, 3.1)     # n = 6, no ties: a weaker association, p near .1
yq <- c(0.4, 0.9, 0.7, 1.6, 0.1, 1.2)
rho_q <- cor(xq, yq, method = "spearman")
null_q <- apply(perms(length(yq)), 1, function(idx) cor(xq, yq[idx], method = "spearman"))

exact <- function(x, y, rho, null) list(
  x = x, y = y, rho = rho, n_orders = length(null),
  null_mean = mean(null),
  null_sd = sqrt(mean((null - mean(null))^2)),  # population SD (ddof 0), as numpy's std
  p_greater = mean(null >= rho - 1e-12)         # exact one-sided p: share of orders with rho >= observed
)

out <- list(
  r_version = R.version.string,
  spearman_ties = list(x = x1, y = y1, rho = cor(x1, y1, method = "spearman")),
  spearman_no_ties = list(x = x2, y = y2, rho = cor(x2, y2, method = "spearman")),
  spearman_constant = list(x = x2, y = rep(1, length(x2)),
                           rho = suppressWarnings(cor(x2, rep(1, length(x2)), method = "spearman"))),
  permutation_ties = exact(xp, yp, rho_obs, null),
  permutation_no_ties = exact(xq, yq, rho_q, null_q)
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
           file.path(here, "correlation_reference.json"))
