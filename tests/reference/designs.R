# Reference values for the STAGES of the new designs (tests/stages/test_designs_reference.py):
# R reads the raw exports of three fixture studies itself and computes what the bundle must
# hold, so ingest (quiz answers, the [Skor] and "Total skor" columns, labels), scoring (points,
# percentages, reverse keying, scale means), pairing, ordering and the statistics are checked
# together.
#   - tests/fixtures/designs/quiz   Google Forms quiz before and after (one group)
#   - tests/fixtures/designs/arms   three arms (a, b treatment; c control) x pre, post, follow-up
#   - data/raw/examples/tryout      the try-out example (Likert scale and a letter-keyed test)
# Run: cd tests/reference && Rscript designs.R   (writes designs.json)
# R 4.2.2; psych 2.2.9 (alpha, alpha.ci), car 3.1-1, emmeans 1.8.4-1, effectsize 0.8.3, afex
# 1.2-1, BayesFactor 0.9.12-4.4 (two-sided BF by the JZS integral over g, as jasp.R), jsonlite.
# Participant codes P0001... follow the pre (try-out) file's rows (times increase with the
# row), so respondents are ordered by their pre row; upper/lower groups break ties by that order.
suppressPackageStartupMessages({
  library(jsonlite); library(psych); library(car); library(emmeans); library(effectsize)
  library(afex); library(BayesFactor)
})
emm_options(opt.digits = FALSE)

read_export <- function(path) read.csv(path, check.names = FALSE, stringsAsFactors = FALSE,
                                       colClasses = "character", na.strings = character(0))
before_slash <- function(x) as.numeric(sub("\\s*/.*$", "", gsub(",", ".", trimws(x))))
holm <- function(p) p.adjust(p, "holm")

# ---- shared statistics ----------------------------------------------------------------------
paired <- function(pre, post) {
  tt <- t.test(post, pre, paired = TRUE)
  w <- suppressWarnings(wilcox.test(post, pre, paired = TRUE))
  d <- post - pre
  list(n = length(d), mean_pre = mean(pre), mean_post = mean(post), estimate = unname(tt$estimate),
       ci_low = tt$conf.int[1], ci_high = tt$conf.int[2], t = unname(tt$statistic),
       df = unname(tt$parameter), p = tt$p.value, V = unname(w$statistic), p_wilcoxon = w$p.value,
       d_z = mean(d) / sd(d))
}
jzs_g <- function(t, n, r = sqrt(2) / 2) {       # two-sided BF10 over g (as jasp.R)
  nu <- n - 1
  f <- function(u) {
    g <- exp(u)
    exp(-0.5 * log(1 + n * g * r^2) - (nu + 1) / 2 * log(1 + t^2 / ((1 + n * g * r^2) * nu)) +
        (nu + 1) / 2 * log(1 + t^2 / nu) - 0.5 * log(2 * pi) - 1.5 * u - 1 / (2 * g) + u)
  }
  integrate(f, -Inf, Inf, rel.tol = 1e-13, subdivisions = 1000L)$value
}
bayes <- function(pre, post) {
  d <- post - pre; n <- length(d); t <- mean(d) / sd(d) * sqrt(n)
  greater <- extractBF(suppressMessages(ttestBF(x = d, nullInterval = c(0, Inf))))[1, ]
  list(t = t, n = n, bf10 = jzs_g(t, n), bf10_bayesfactor = extractBF(ttestBF(x = d))$bf,
       greater_bayesfactor = greater$bf)
}
groups_of <- function(total, fraction = 0.27) {      # upper/lower groups, ties by row order
  n <- length(total); g <- min(round(fraction * n), n %/% 2)
  o <- order(-total)
  lab <- rep("middle", n)
  if (g > 0) { lab[o[1:g]] <- "upper"; lab[o[(n - g + 1):n]] <- "lower" }
  lab
}
safe_cor <- function(x, y) if (sd(x) == 0 || sd(y) == 0) NA else cor(x, y)
item_analysis <- function(s, maxp) {
  s <- as.matrix(s); total <- rowSums(s); grp <- groups_of(total); g <- sum(grp == "upper")
  U <- colSums(s[grp == "upper", , drop = FALSE]); L <- colSums(s[grp == "lower", , drop = FALSE])
  list(n = nrow(s), group_size = g, difficulty = unname(colMeans(s) / maxp),
       p_upper = unname(U / (g * maxp)), p_lower = unname(L / (g * maxp)),
       discrimination = unname((U - L) / (g * maxp)),
       r_item_total = unname(apply(s, 2, safe_cor, total)),
       r_item_rest = sapply(seq_len(ncol(s)), function(j) safe_cor(s[, j], total - s[, j])))
}
kr <- function(s) {
  s <- as.matrix(s); k <- ncol(s); tot <- rowSums(s); v0 <- mean((tot - mean(tot))^2); M <- mean(tot)
  a <- suppressWarnings(psych::alpha(as.data.frame(s), warnings = FALSE, check.keys = FALSE))
  list(kr20 = a$total$raw_alpha, kr21 = k / (k - 1) * (1 - M * (k - M) / (k * v0)),
       mean_points = M, sd_points = sd(tot))
}
mastery <- function(pre, post, passing) {
  a <- sum(pre >= passing & post >= passing); b <- sum(pre >= passing & post < passing)
  c <- sum(pre < passing & post >= passing); d <- sum(pre < passing & post < passing)
  m <- mcnemar.test(matrix(c(a, c, b, d), 2))
  list(a = a, b = b, c = c, d = d, statistic = unname(m$statistic), p_asymptotic = m$p.value,
       p_exact = binom.test(c, b + c, 0.5)$p.value, p_pre = (a + b) / length(pre),
       p_post = (a + c) / length(pre))
}

out <- list(generated_by = paste("tests/reference/designs.R;", R.version.string,
                                 "; psych", as.character(packageVersion("psych")),
                                 "; afex", as.character(packageVersion("afex")),
                                 "; BayesFactor", as.character(packageVersion("BayesFactor"))))

# ---- 1. the quiz ----------------------------------------------------------------------------
quiz_points <- function(x) {
  keys <- c("Pilihan A", "Pilihan C", "Pilihan B", "Pilihan D", "Pilihan A", "Pilihan B")
  pts <- sapply(1:6, function(i) as.numeric(tolower(trimws(x[[sprintf("Soal %d", i)]])) ==
                                              tolower(keys[i])))
  q7 <- trimws(x[["Soal 7"]])
  pts <- cbind(pts, ifelse(q7 == "Pilihan A", 2, ifelse(q7 == "Pilihan B", 1, 0)))
  pts <- cbind(pts, before_slash(x[["Soal 8 [Skor]"]]))
  colnames(pts) <- paste0("q", 1:8)
  list(points = pts, form = before_slash(x[["Total skor"]]), names = x[["Nama Lengkap"]],
       answers = sapply(1:6, function(i) trimws(x[[sprintf("Soal %d", i)]])))
}
qpre <- quiz_points(read_export("../fixtures/designs/quiz/pre.csv"))
qpost <- quiz_points(read_export("../fixtures/designs/quiz/post.csv"))
both <- qpre$names %in% qpost$names
at <- match(qpre$names[both], qpost$names)      # post rows in code (pre row) order
maxp <- c(rep(1, 6), 2, 1)
values <- function(w, rows) list(
  mc = rowSums(w$points[rows, 1:6, drop = FALSE]) / 6 * 100,
  quiz = rowSums(w$points[rows, , drop = FALSE]) / 9 * 100,
  form = w$form[rows])
vpre <- values(qpre, which(both)); vpost <- values(qpost, at)
allpre <- values(qpre, seq_along(qpre$names)); allpost <- values(qpost, seq_along(qpost$names))
post_order <- order(match(qpost$names, qpre$names))   # post respondents in code order
quiz <- list(n_pre = length(qpre$names), n_post = length(qpost$names))
quiz$descriptives <- lapply(c(mc = "mc", quiz = "quiz", form = "form"), function(o)
  list(pre_mean = mean(allpre[[o]]), pre_sd = sd(allpre[[o]]), post_mean = mean(allpost[[o]]),
       post_sd = sd(allpost[[o]])))
quiz$paired <- lapply(c(mc = "mc", quiz = "quiz", form = "form"), function(o)
  paired(vpre[[o]], vpost[[o]]))
quiz$one_sided <- lapply(c(mc = "mc", quiz = "quiz", form = "form"), function(o) {
  tt <- t.test(vpost[[o]], vpre[[o]], paired = TRUE, alternative = "greater")
  w <- suppressWarnings(wilcox.test(vpost[[o]], vpre[[o]], paired = TRUE, alternative = "greater"))
  list(p = tt$p.value, ci_low = tt$conf.int[1], p_wilcoxon = w$p.value)
})
quiz$one_sided_holm <- holm(sapply(quiz$one_sided, `[[`, "p"))
quiz$bayes <- lapply(c(mc = "mc", quiz = "quiz", form = "form"), function(o)
  bayes(vpre[[o]], vpost[[o]]))
qq <- qqnorm(vpost$quiz - vpre$quiz, plot.it = FALSE)
y <- quantile(vpost$quiz - vpre$quiz, c(0.25, 0.75), names = FALSE); x <- qnorm(c(0.25, 0.75))
quiz$qq <- list(sample = sort(qq$y), theoretical = sort(qq$x),
                slope = diff(y) / diff(x), intercept = y[1] - diff(y) / diff(x) * x[1])
quiz$items <- list(
  pre = list(mc = item_analysis(qpre$points[, 1:6], maxp[1:6]),
             quiz = item_analysis(qpre$points, maxp)),
  post = list(mc = item_analysis(qpost$points[post_order, 1:6], maxp[1:6]),
              quiz = item_analysis(qpost$points[post_order, ], maxp)))
quiz$kr <- list(pre = kr(qpre$points[, 1:6]), post = kr(qpost$points[post_order, 1:6]))
distractors <- function(answers, points) {
  grp <- groups_of(rowSums(points)); up <- grp == "upper"; lo <- grp == "lower"
  opts <- c("Pilihan A", "Pilihan B", "Pilihan C", "Pilihan D")
  lapply(1:6, function(i) {
    a <- answers[, i]
    lapply(setNames(opts, opts), function(o) list(count = sum(a == o), share = mean(a == o),
                                                  share_upper = mean(a[up] == o),
                                                  share_lower = mean(a[lo] == o)))
  })
}
quiz$distractors <- list(pre = distractors(qpre$answers, qpre$points[, 1:6]),
                         post = distractors(qpost$answers[post_order, ],
                                            qpost$points[post_order, 1:6]))
quiz$mastery <- lapply(c(mc = "mc", quiz = "quiz", form = "form"), function(o) {
  pomp <- function(v) if (o == "form") v / 9 * 100 else v
  mastery(pomp(vpre[[o]]), pomp(vpost[[o]]), 60)
})
quiz$gain <- lapply(c(mc = "mc", quiz = "quiz"), function(o) {
  g <- (vpost[[o]] - vpre[[o]]) / (100 - vpre[[o]]); g[vpre[[o]] >= 100] <- NA
  list(g_mean = mean(g, na.rm = TRUE),
       g_class = (mean(vpost[[o]]) - mean(vpre[[o]])) / (100 - mean(vpre[[o]])))
})
out$quiz <- quiz

# ---- 2. three arms over three waves -----------------------------------------------------------
likert <- c("Sangat Tidak Setuju" = 1, "Tidak Setuju" = 2, "Netral" = 3, "Setuju" = 4,
            "Sangat Setuju" = 5)
arm_wave <- function(wave) {
  x <- read_export(sprintf("../fixtures/designs/arms/%s.csv", wave))
  codes <- sapply(1:6, function(i) likert[x[[sprintf("Pernyataan %d", i)]]])
  codes[, 3] <- 6 - codes[, 3]
  data.frame(name = x[["Nama Lengkap"]], arm = c("Kelas A" = "a", "Kelas B" = "b",
                                                  "Kelas C" = "c")[x[["Kelompok"]]],
             wave = wave, first = rowMeans(codes[, 1:3]), second = rowMeans(codes[, 4:6]),
             total = rowMeans(codes), stringsAsFactors = FALSE)
}
waves <- c("pre", "post", "follow_up")
long <- do.call(rbind, lapply(waves, arm_wave))
pre_names <- long$name[long$wave == "pre"]
long$participant_code <- sprintf("P%04d", match(long$name, pre_names))
wide_of <- function(o) {
  w <- reshape(long[c("participant_code", "arm", "wave", o)], idvar = c("participant_code", "arm"),
               timevar = "wave", direction = "wide")
  names(w) <- sub(paste0("^", o, "\\."), "", names(w))
  w[order(w$participant_code), ]
}
ancova_reference <- function(d, arms, level = 0.95) {
  d$arm <- factor(d$arm, levels = arms)
  m <- lm(post ~ pre + arm, data = d)
  a2 <- car::Anova(m, type = 2)
  es <- eta_squared(a2, partial = TRUE, ci = level, verbose = FALSE)
  slopes <- car::Anova(lm(post ~ pre * arm, data = d), type = 2)
  em <- summary(emmeans(m, "arm"), level = level)
  pr <- pairs(emmeans(m, "arm"), reverse = TRUE, adjust = "holm")
  ci_none <- confint(pr, adjust = "none", level = level)
  sp <- summary(pr)
  list(n = nrow(d), F = a2[c("pre", "arm"), "F value"], p = a2[c("pre", "arm"), "Pr(>F)"],
       df = a2[c("pre", "arm"), "Df"], pes = es$Eta2_partial, pes_ci_low = es$CI_low,
       slopes_p = slopes["pre:arm", "Pr(>F)"],
       means = list(arm = as.character(em$arm), emmean = em$emmean, ci_low = em$lower.CL,
                    ci_high = em$upper.CL),
       contrasts = list(contrast = as.character(sp$contrast), estimate = sp$estimate,
                        t = sp$t.ratio, p_holm = sp$p.value, ci_low = ci_none$lower.CL,
                        ci_high = ci_none$upper.CL))
}
afex_table <- function(d, between = NULL) {
  fit <- suppressWarnings(suppressMessages(aov_ez("participant_code", "score", d, between = between,
    within = "wave", anova_table = list(correction = "GG", es = c("ges", "pes")))))
  plain <- suppressWarnings(suppressMessages(aov_ez("participant_code", "score", d,
    between = between, within = "wave", anova_table = list(correction = "none",
                                                           es = c("ges", "pes")))))
  s <- summary(fit)
  list(n = nrow(fit$data$wide), effects = rownames(plain$anova_table),
       F = plain$anova_table[, "F"], p = plain$anova_table[, "Pr(>F)"],
       ges = plain$anova_table[, "ges"], p_gg = fit$anova_table[, "Pr(>F)"],
       gg_eps = unname(s$pval.adjustments[, "GG eps"]),
       mauchly_p = unname(s$sphericity.tests[, "p-value"]))
}
arms <- list()
for (o in c("first", "second", "total")) {
  w <- wide_of(o)
  prepost <- w[complete.cases(w[c("pre", "post")]), ]
  res <- list(paired = lapply(c(a = "a", b = "b", c = "c"), function(g) {
    x <- prepost[prepost$arm == g, ]; paired(x$pre, x$post) }))
  res$ancova <- ancova_reference(prepost, c("c", "a", "b"))
  full <- w[complete.cases(w[waves]), ]
  lg <- data.frame(participant_code = rep(full$participant_code, 3),
                   group = rep(full$arm, 3), wave = factor(rep(waves, each = nrow(full)), waves),
                   score = c(full$pre, full$post, full$follow_up))
  res$mixed <- afex_table(lg, between = "group")
  res$per_arm <- lapply(c(a = "a", b = "b", c = "c"), function(g) {
    part <- full[full$arm == g, ]; lgg <- lg[lg$group == g, ]
    m <- as.matrix(part[waves]); ft <- friedman.test(m)
    pairs <- list(c("pre", "post"), c("pre", "follow_up"), c("post", "follow_up"))
    pt <- lapply(pairs, function(pr) { tt <- t.test(part[[pr[2]]], part[[pr[1]]], paired = TRUE)
      list(estimate = unname(tt$estimate), t = unname(tt$statistic), p = tt$p.value,
           ci_low = tt$conf.int[1], ci_high = tt$conf.int[2]) })
    list(rm = afex_table(lgg), friedman = list(statistic = unname(ft$statistic), p = ft$p.value,
                                               kendall_w = unname(ft$statistic) / (nrow(m) * 2)),
         pairs = pt, pairs_holm = holm(sapply(pt, `[[`, "p")),
         retained = list(pt[[2]], pt[[3]]))
  })
  arms[[o]] <- res
}
arms$bh <- lapply(c(a = "a", b = "b", c = "c"), function(g)
  p.adjust(sapply(c("first", "second", "total"), function(o) arms[[o]]$paired[[g]]$p), "BH"))
arms$alpha_pre <- sapply(list(first = 1:3, second = 4:6, total = 1:6), function(k) {
  x <- read_export("../fixtures/designs/arms/pre.csv")
  codes <- sapply(1:6, function(i) likert[x[[sprintf("Pernyataan %d", i)]]]); codes[, 3] <- 6 - codes[, 3]
  suppressWarnings(psych::alpha(as.data.frame(codes[, k]), warnings = FALSE, check.keys = FALSE))$total$raw_alpha
})
out$arms <- arms

# ---- 3. the try-out example -------------------------------------------------------------------
tr <- read_export("../../data/raw/examples/tryout/tryout.csv")
grid <- grep("^Seberapa setuju", names(tr), value = TRUE)
lik <- sapply(grid, function(h) likert[tr[[h]]]); lik[, 4] <- 6 - lik[, 4]
lik <- as.data.frame(lik); names(lik) <- paste0("e", 1:8)
tests <- names(tr)[(3 + length(grid)):ncol(tr)]
keys <- strsplit("BDACBADCAB", "")[[1]]
tst <- as.data.frame(sapply(seq_along(tests), function(i) as.numeric(tr[[tests[i]]] == keys[i])))
names(tst) <- paste0("t", 1:10)
r_tabel <- function(df) { t <- qt(0.975, df); t / sqrt(df + t^2) }
tryout_scale <- function(items, test) {
  a <- suppressWarnings(psych::alpha(items, warnings = FALSE, check.keys = FALSE))
  n <- sum(rowSums(!is.na(items)) > 0); k <- ncol(items); crit <- r_tabel(n - 2)
  valid <- a$item.stats$r.drop > crit
  kept <- suppressWarnings(psych::alpha(items[valid], warnings = FALSE, check.keys = FALSE))
  ci <- psych::alpha.ci(a$total$raw_alpha, n, k, p.val = 0.05)
  res <- list(n = n, r = a$item.stats$r.drop, r_critical = crit, valid = valid,
              alpha_if_deleted = a$alpha.drop$raw_alpha, value = a$total$raw_alpha,
              ci_low = ci$lower.ci, ci_high = ci$upper.ci, alpha_valid_items = kept$total$raw_alpha)
  if (test) res <- c(res, list(kr = kr(items), items = item_analysis(items, rep(1, k))))
  res
}
out$tryout <- list(efficacy = tryout_scale(lik, FALSE), world_of_work = tryout_scale(tst, TRUE))

write_json(out, "designs.json", digits = NA, auto_unbox = TRUE, na = "null")
cat("wrote designs.json\n")
