# Reference values for JASP parity of a pre/post comparison: pipeline/stats/bayes.py (JZS Bayes
# factor of a paired t test), pipeline/stats/parametric.py (one-sided paired t),
# pipeline/stats/nonparametric.py (one-sided Wilcoxon signed-rank p) and
# pipeline/stats/normality.py (Q-Q plot points and line).
# Run: cd tests/reference && Rscript jasp.R   (writes jasp.json)
# R 4.2.2; BayesFactor 0.9.12-4.4 (ttestBF(x = post - pre, rscale = ..., nullInterval = ...):
# quadrature over delta of the noncentral-t likelihood with R's integrate at its default
# tolerance, and, for an interval null with |t| > 5, a Savage-Dickey t approximation);
# stats::t.test, wilcox.test, qqnorm, qqline, ppoints; jsonlite.
# "precise" values integrate the JZS integrals with R's integrate at tight tolerance without the
# noncentral t (whose R density loses precision far in its tail, with warnings): the two-sided
# BF over g (Rouder et al. 2009, eq. 1); the one-sided ones over g and the chi-square variable
# V of t = Z / sqrt(V / nu), using Z ~ N(0, 1 + n g r^2) given g and the normal conditional
# P(delta < 0 | Z, g). The same integrals over delta with dt(ncp) are kept as "delta_form".
suppressPackageStartupMessages({ library(BayesFactor); library(jsonlite) })

jzs_g <- function(t, n, r) {              # two-sided BF10 over g, on a log-g scale
  nu <- n - 1
  f <- function(u) {
    g <- exp(u)
    exp(-0.5 * log(1 + n * g * r^2) - (nu + 1) / 2 * log(1 + t^2 / ((1 + n * g * r^2) * nu)) +
        (nu + 1) / 2 * log(1 + t^2 / nu) - 0.5 * log(2 * pi) - 1.5 * u - 1 / (2 * g) + u)
  }
  integrate(f, -Inf, Inf, rel.tol = 1e-13, subdivisions = 1000L)$value
}
jzs_delta <- function(t, n, r, lower, upper) {   # BF of delta in (lower, upper) vs delta = 0
  nu <- n - 1; prior <- pcauchy(upper, scale = r) - pcauchy(lower, scale = r)
  centre <- t / sqrt(n); s <- 1 / sqrt(n)
  f <- function(z) dt(t, nu, ncp = (centre + s * z) * sqrt(n)) * dcauchy(centre + s * z, scale = r) * s
  integrate(f, (lower - centre) / s, (upper - centre) / s, rel.tol = 1e-13,
            subdivisions = 1000L)$value / prior / dt(t, nu)
}

pieces <- function(f, breaks, tol) sum(mapply(function(a, b)
  integrate(f, a, b, rel.tol = tol, subdivisions = 1000L)$value, head(breaks, -1), tail(breaks, -1)))
jzs_half <- function(t, n, r, sign) {     # BF of sign * delta > 0 vs delta = 0, over (g, V)
  nu <- n - 1
  inner <- function(g) sapply(g, function(gg) {
    s2 <- 1 + n * gg * r^2
    f <- function(v) { z <- t * sqrt(v / nu)
      exp(dchisq(v, nu, log = TRUE) + 0.5 * log(v / nu) + dnorm(z, 0, sqrt(s2), log = TRUE) +
          pnorm(sign * z * sqrt(n * gg) * r / sqrt(s2), log.p = TRUE)) }
    pieces(f, c(0, nu / 4, nu / 2, nu, 2 * nu, 4 * nu, Inf), 1e-12)
  })
  outer <- function(u) { g <- exp(u); inner(g) * exp(-0.5 * log(2 * pi) - 1.5 * u - 1 / (2 * g) + u) }
  pieces(outer, c(-30, -5, -2, 0, 2, 5, 30), 1e-11) / 0.5 / dt(t, nu)
}

bayes_reference <- function(pre, post, rscale) {
  d <- post - pre; n <- length(d); t <- mean(d) / sd(d) * sqrt(n)
  bf <- function(interval) {
    b <- suppressMessages(if (is.null(interval)) ttestBF(x = d, rscale = rscale)
                          else ttestBF(x = d, rscale = rscale, nullInterval = interval))
    x <- extractBF(b)[1, ]
    list(bf10 = x$bf, error = x$error)
  }
  list(n = n, t = t, rscale = rscale,
       bayesfactor = list(two_sided = bf(NULL), greater = bf(c(0, Inf)), less = bf(c(-Inf, 0))),
       precise = list(two_sided = jzs_g(t, n, rscale), greater = jzs_half(t, n, rscale, 1),
                      less = jzs_half(t, n, rscale, -1)),
       delta_form = suppressWarnings(list(two_sided = jzs_delta(t, n, rscale, -Inf, Inf),
                                          greater = jzs_delta(t, n, rscale, 0, Inf),
                                          less = jzs_delta(t, n, rscale, -Inf, 0))))
}

t_reference <- function(pre, post) {
  one <- function(alt) {
    tt <- t.test(post, pre, paired = TRUE, alternative = alt)
    list(t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value,
         estimate = unname(tt$estimate), se = unname(tt$stderr),
         ci_low = if (is.finite(tt$conf.int[1])) tt$conf.int[1] else "-Inf",
         ci_high = if (is.finite(tt$conf.int[2])) tt$conf.int[2] else "Inf")
  }
  list(two_sided = one("two.sided"), greater = one("greater"), less = one("less"))
}

wilcox_reference <- function(pre, post) {
  one <- function(alt) {
    w <- suppressWarnings(wilcox.test(post, pre, paired = TRUE, alternative = alt))
    list(statistic = unname(w$statistic), p = w$p.value, method = w$method)
  }
  list(two_sided = one("two.sided"), greater = one("greater"), less = one("less"))
}

qq_reference <- function(pre, post) {
  d <- post - pre; q <- qqnorm(d, plot.it = FALSE)
  probs <- c(0.25, 0.75); y <- quantile(d, probs, names = FALSE, type = 7); x <- qnorm(probs)
  slope <- diff(y) / diff(x)
  list(sample = q$y, theoretical = q$x, ppoints = ppoints(length(d)),
       intercept = y[1] - slope * x[1], slope = slope)
}

reference <- function(pre, post, rscale = sqrt(2) / 2) {
  list(pre = pre, post = post, bayes = bayes_reference(pre, post, rscale),
       t_test = t_reference(pre, post), wilcoxon = wilcox_reference(pre, post),
       qq = qq_reference(pre, post))
}

out <- list(generated_by = paste("tests/reference/jasp.R;", R.version.string, "; BayesFactor",
                                 as.character(packageVersion("BayesFactor"))))

# 1. datasets::sleep: 10 pairs, t = 4.06 (the classic BayesFactor example), ties in |d|
out$sleep <- reference(sleep$extra[1:10], sleep$extra[11:20])
# 2. the same with a wide prior, r = 1
out$sleep_wide <- reference(sleep$extra[1:10], sleep$extra[11:20], rscale = 1)
# 3. a PKM-sized pre/post test, 25 participants, t near 17 (BayesFactor's interval
#    approximation), whole-number scores with ties and zero differences
set.seed(1704)
pre <- round(rnorm(25, 55, 10)); post <- pre + round(rnorm(25, 18, 5)); post[c(3, 17)] <- pre[c(3, 17)]
out$pkm <- reference(pre, post)
# 4. twelve pairs with t just above 5 (the approximation threshold), no ties (exact Wilcoxon)
set.seed(1705)
pre <- round(rnorm(12, 3, 0.6), 3); post <- round(pre + rnorm(12, 0.9, 0.45), 3)
out$near_five <- reference(pre, post)
# 5. thirty pairs, a small negative effect (t near -2): "less" is favoured
set.seed(1706)
pre <- round(rnorm(30, 70, 8), 1); post <- round(pre + rnorm(30, -2.2, 6), 1)
out$decline <- reference(pre, post)
# 6. eight pairs, no effect (t near 0), n <= 10 so ppoints uses a = 3/8
set.seed(1707)
pre <- round(rnorm(8, 3.2, 0.5), 2); post <- round(pre + rnorm(8, 0.02, 0.4), 2)
out$null_small <- reference(pre, post)

write_json(out, "jasp.json", digits = NA, auto_unbox = TRUE, na = "null")
cat("wrote jasp.json\n")
