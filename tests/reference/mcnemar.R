# Reference values for pipeline/stats/mcnemar.py: McNemar's test of a paired 2x2 table, the
# exact binomial p-value, the conditional odds ratio c/b with its interval, and Newcombe's
# (1998) method 10 interval for the difference of paired proportions.
# Run: cd tests/reference && Rscript mcnemar.R   (writes mcnemar.json)
# R 4.2, packages: stats (mcnemar.test, binom.test, prop.test), jsonlite.
#
# Layout: rows = pre (yes, no), columns = post (yes, no): a = yes/yes, b = yes -> no,
# c = no -> yes, d = no/no. R's matrix() fills by column, hence matrix(c(a, c, b, d), 2).
suppressPackageStartupMessages(library(jsonlite))

TABLES <- list(
  small = c(a = 5, b = 2, c = 9, d = 4),
  strong_agreement = c(a = 30, b = 3, c = 8, d = 25),
  b_zero = c(a = 10, b = 0, c = 7, d = 3),
  c_zero = c(a = 8, b = 5, c = 0, d = 7),
  equal_discordant = c(a = 3, b = 4, c = 4, d = 9),
  differ_by_one = c(a = 6, b = 6, c = 7, d = 2),
  just_below_25 = c(a = 20, b = 9, c = 15, d = 30),
  at_25 = c(a = 20, b = 10, c = 15, d = 30),
  large = c(a = 120, b = 35, c = 62, d = 83),
  all_gained = c(a = 0, b = 0, c = 12, d = 0),
  no_discordant = c(a = 10, b = 0, c = 0, d = 5)
)
LEVELS <- c(0.90, 0.95)

# Evaluates expr, keeping R's warnings as data instead of printing them.
quietly <- function(expr) suppressWarnings(expr)

# Newcombe (1998) method 10, by hand from its paper, with the Wilson intervals of the two
# margins taken from prop.test(correct = FALSE) (an independent implementation of Wilson).
newcombe10 <- function(a, b, c, d, level) {
  n <- a + b + c + d
  p_post <- (a + c) / n
  p_pre <- (a + b) / n
  w_post <- quietly(prop.test(a + c, n, correct = FALSE, conf.level = level)$conf.int)
  w_pre <- quietly(prop.test(a + b, n, correct = FALSE, conf.level = level)$conf.int)
  margins <- (a + b) * (c + d) * (a + c) * (b + d)
  cross <- a * d - b * c
  # Newcombe's adjustment of a positive correlation (Newcombe 1998; Altman et al. 2000, ch. 6)
  if (cross > 0) cross <- max(cross - n / 2, 0)
  phi <- if (margins > 0) cross / sqrt(margins) else 0
  D <- p_post - p_pre
  lower <- D - sqrt((p_post - w_post[1])^2 - 2 * phi * (p_post - w_post[1]) * (w_pre[2] - p_pre) +
    (w_pre[2] - p_pre)^2)
  upper <- D + sqrt((w_post[2] - p_post)^2 - 2 * phi * (w_post[2] - p_post) * (p_pre - w_pre[1]) +
    (p_pre - w_pre[1])^2)
  list(p_pre = p_pre, p_post = p_post, difference = D, diff_ci_low = lower, diff_ci_high = upper)
}

odds <- function(p) if (p >= 1) "Inf" else p / (1 - p)

one_level <- function(x, level) {
  a <- x[["a"]]; b <- x[["b"]]; c <- x[["c"]]; d <- x[["d"]]
  m <- matrix(c(a, c, b, d), 2)
  corrected <- quietly(mcnemar.test(m, correct = TRUE))
  plain <- quietly(mcnemar.test(m, correct = FALSE))
  out <- list(
    level = level,
    statistic_correct = unname(corrected$statistic), p_correct = corrected$p.value,
    statistic_plain = unname(plain$statistic), p_plain = plain$p.value
  )
  if (b + c > 0) {
    bt <- binom.test(c, b + c, p = 0.5, conf.level = level)
    out$p_exact <- bt$p.value
    out$prop_ci_low <- bt$conf.int[1]
    out$prop_ci_high <- bt$conf.int[2]
    out$odds_ratio <- if (b == 0) "Inf" else c / b
    out$or_ci_low <- odds(bt$conf.int[1])
    out$or_ci_high <- odds(bt$conf.int[2])
  }
  c(out, newcombe10(a, b, c, d, level))
}

reference <- lapply(TABLES, function(x) {
  list(table = as.list(x), results = lapply(LEVELS, function(l) one_level(x, l)))
})
reference$about <- paste(
  "mcnemar.test statistic and p with and without continuity correction; binom.test(c, b + c)",
  "exact p and Clopper-Pearson interval, transformed p/(1 - p) for the odds ratio c/b;",
  "Newcombe method 10 by hand with prop.test(correct = FALSE) Wilson margins.",
  "NaN and Inf are written as the strings 'NaN' and 'Inf'.", R.version.string
)
write_json(reference, "mcnemar.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
