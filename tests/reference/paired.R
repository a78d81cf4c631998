# Reference values for pkm-eval's paired comparison and scale scoring.
# Run: cd tests/reference && Rscript paired.R   (writes paired.json)
# R packages: effectsize (cohens_d with paired = TRUE is d_z with a noncentral-t CI), jsonlite.
suppressPackageStartupMessages({
  library(effectsize)
  library(jsonlite)
})

paired_reference <- function(pre, post) {
  tt <- t.test(post, pre, paired = TRUE)                      # stats::t.test, two-sided
  dz <- cohens_d(post, pre, paired = TRUE, ci = 0.95)          # effectsize 0.8.x: d_z
  list(
    n = length(pre),
    mean_pre = mean(pre), mean_post = mean(post),
    t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value,
    mean_diff = unname(tt$estimate),
    ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
    dz = dz$Cohens_d, dz_low = dz$CI_low, dz_high = dz$CI_high
  )
}

describe_reference <- function(x) {
  x <- x[!is.na(x)]
  q <- unname(quantile(x, c(0.25, 0.75), type = 7))
  list(n = length(x), mean = mean(x), sd = sd(x), median = median(x),
       q1 = q[1], q3 = q[2], min = min(x), max = max(x))
}

# 1. datasets::sleep: extra sleep under drug 1 ("pre") and drug 2 ("post"), same 10 patients.
sleep_pre <- sleep$extra[sleep$group == 1]
sleep_post <- sleep$extra[sleep$group == 2]

# 2. A Likert pre/post set: 40 participants x 6 five-point items, item 3 reverse-keyed,
#    some blanks. Scale score = mean of answered keyed items when >= 80% answered, else NA.
set.seed(20261122)
n <- 40; k <- 6
make_items <- function(shift) {
  latent <- base + shift + rnorm(n, 0, 0.5)   # same people: scores correlate across waves
  m <- sapply(1:k, function(j) pmin(5, pmax(1, round(3 + latent + rnorm(n, 0, 0.9)))))
  m[, 3] <- 6 - m[, 3]                      # item 3 is worded negatively
  m[sample(length(m), 12)] <- NA            # 12 blank answers
  m
}
base <- rnorm(n)
pre_items <- make_items(0)
post_items <- make_items(0.5)
score <- function(m) {
  keyed <- m; keyed[, 3] <- 6 - keyed[, 3]
  answered <- rowSums(!is.na(keyed))
  ifelse(answered >= ceiling(0.8 * k), rowMeans(keyed, na.rm = TRUE), NA)
}
pre_score <- score(pre_items)
post_score <- score(post_items)
complete <- !is.na(pre_score) & !is.na(post_score)

out <- list(
  generated_by = paste("tests/reference/paired.R;", R.version.string,
                       "; effectsize", as.character(packageVersion("effectsize"))),
  sleep = list(pre = sleep_pre, post = sleep_post,
               result = paired_reference(sleep_pre, sleep_post)),
  likert = list(
    n_items = k, reverse_item = 3, min_answered_share = 0.8,
    pre_items = pre_items, post_items = post_items,
    pre_score = pre_score, post_score = post_score,
    result = paired_reference(pre_score[complete], post_score[complete]),
    describe_pre = describe_reference(pre_score),
    describe_post = describe_reference(post_score)
  )
)
write_json(out, "paired.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
cat("wrote paired.json\n")
