# Reference values for pkm-eval's Wilcoxon signed-rank test, Hodges-Lehmann shift and matched
# rank-biserial r. Run: cd tests/reference && Rscript wilcoxon.R   (writes wilcoxon.json)
suppressPackageStartupMessages({ library(jsonlite); library(MASS); library(effectsize) })
one <- function(pre, post) {
  w <- suppressWarnings(wilcox.test(post, pre, paired = TRUE, conf.int = TRUE))
  rb <- rank_biserial(post, pre, paired = TRUE)
  list(pre = pre, post = post, V = unname(w$statistic), p = w$p.value, method = w$method,
       estimate = unname(w$estimate), ci_low = w$conf.int[1], ci_high = w$conf.int[2],
       rb = rb$r_rank_biserial, rb_low = rb$CI_low, rb_high = rb$CI_high)
}
set.seed(99)
sets <- list(sleep = one(sleep$extra[1:10], sleep$extra[11:20]))
for (g in levels(anorexia$Treat)) {
  a <- anorexia[anorexia$Treat == g, ]
  sets[[paste0("anorexia_", g)]] <- one(a$Prewt, a$Postwt)
}
pre <- round(runif(12, 1, 5), 3); sets$exact <- one(pre, pre + round(rnorm(12, 0.4, 0.6), 3))
# quarters are exact in binary, so ties are ties in R and in Python alike
likert_pre <- round(pmin(5, pmax(1, rnorm(40, 3.2, 0.7))) * 4) / 4
likert_post <- round(pmin(5, pmax(1, likert_pre + rnorm(40, 0.3, 0.4))) * 4) / 4
likert_post[1:5] <- likert_pre[1:5]
sets$likert <- one(likert_pre, likert_post)
big <- rnorm(60); sets$large <- one(big, big + rnorm(60, 0.2, 1))
write_json(list(generated_by = paste("tests/reference/wilcoxon.R;", R.version.string), sets = sets),
           "wilcoxon.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
cat("wrote wilcoxon.json\n")
