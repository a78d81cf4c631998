# Reference values for pipeline/stats/models.py: ANCOVA (lm + car::Anova type 2), partial eta
# squared with its noncentral-F interval (effectsize::eta_squared), the mixed ANOVA (aov with an
# Error stratum), gain scores (Welch t.test, effectsize::hedges_g) and subgroup interactions.
# Run: cd tests/reference && Rscript models.R   (writes models.json)
# R 4.2, car 3.1, effectsize 0.8.3 (its eta_squared CI is one-sided, alternative = "greater",
# by default: the lower limit of the two-sided 2 * level - 1 interval, upper limit 1).
suppressPackageStartupMessages({
  library(jsonlite); library(MASS); library(car); library(effectsize)
})

# effectsize finds noncentrality parameters with optim (Nelder-Mead, abstol 1e-9), which
# leaves errors near 1e-7 in the limits. The same limits by uniroot at tol 1e-12 give a second,
# tighter reference ("root"), computed with R's pf / pt and independent of scipy.
ncp_root <- function(cdf, p, start) {   # cdf falls as the noncentrality grows
  if (cdf(0) <= p) return(0)
  hi <- max(1, start); while (cdf(hi) > p) hi <- 2 * hi
  uniroot(function(x) cdf(x) - p, c(0, hi), tol = 1e-12)$root
}
eta2_root <- function(f, df1, df2, level, alternative = "greater") {
  tail <- (1 - if (alternative == "two.sided") level else 2 * level - 1) / 2
  cdf <- function(x) pf(f, df1, df2, ncp = x)
  lim <- sapply(c(1 - tail, tail), function(p) ncp_root(cdf, p, 2 * f * df1))
  lim <- lim / (lim + df2)
  if (alternative == "greater") lim[2] <- 1
  list(ci_low = lim[1], ci_high = lim[2])
}
t_root <- function(t, df, level) {   # noncentral-t limits of a t statistic (|t| mirrored)
  tail <- (1 - level) / 2
  cdf <- function(x) suppressWarnings(pt(abs(t), df, ncp = x))  # far bracket ends only warn
  lim <- sapply(c(1 - tail, tail), function(p)
    uniroot(function(x) cdf(x) - p, c(abs(t) - 40, abs(t) + 40), tol = 1e-12)$root)
  if (t < 0) -rev(lim) else lim
}
J <- function(df) exp(lgamma(df / 2) - log(sqrt(df / 2)) - lgamma((df - 1) / 2))

pes_row <- function(table, term, level, alternative = "greater") {
  es <- eta_squared(table, partial = TRUE, ci = level, alternative = alternative,
                    verbose = FALSE)
  es <- es[es$Parameter == term, ]
  stopifnot(nrow(es) == 1)
  df2 <- table["Residuals", "Df"]
  list(value = es[[2]], ci_low = es$CI_low, ci_high = es$CI_high,
       root = eta2_root(table[term, "F value"], table[term, "Df"], df2, level, alternative))
}

ancova_reference <- function(d, level) {
  d <- d[complete.cases(d[c("pre", "post", "group")]), ]
  d$group <- factor(d$group, levels = c("control", "treatment"))   # control is the reference
  m <- lm(post ~ pre + group, data = d)
  a2 <- car::Anova(m, type = 2)
  a3 <- car::Anova(m, type = 3)
  stopifnot(abs(a2["group", "F value"] - a3["group", "F value"]) < 1e-10)  # no interaction
  ci <- confint(m, level = level)["grouptreatment", ]
  co <- summary(m)$coefficients["grouptreatment", ]
  adj <- predict(m, data.frame(pre = mean(d$pre), group = c("treatment", "control")))
  if (requireNamespace("emmeans", quietly = TRUE)) {  # the same adjusted means, if installed
    em <- summary(emmeans::emmeans(m, "group"))
    stopifnot(abs(em$emmean[em$group == "treatment"] - adj[1]) < 1e-10)
  }
  slopes <- car::Anova(lm(post ~ pre * group, data = d), type = 2)
  list(n = nrow(d), n_treatment = sum(d$group == "treatment"),
       n_control = sum(d$group == "control"),
       adjusted_difference = unname(coef(m)["grouptreatment"]),
       ci_low = unname(ci[1]), ci_high = unname(ci[2]),
       se = unname(co["Std. Error"]), t = unname(co["t value"]), df_resid = m$df.residual,
       F = a2["group", "F value"], p_value = a2["group", "Pr(>F)"],
       pes = pes_row(a2, "group", level),
       pes_two_sided = pes_row(a2, "group", level, "two.sided"),
       adjusted_mean_treatment = unname(adj[1]), adjusted_mean_control = unname(adj[2]),
       slopes_F = slopes["pre:group", "F value"], slopes_p_value = slopes["pre:group", "Pr(>F)"],
       slopes_df1 = slopes["pre:group", "Df"], slopes_df2 = slopes["Residuals", "Df"])
}

mixed_reference <- function(d, level) {
  d <- d[complete.cases(d[c("pre", "post", "group")]), ]
  long <- data.frame(participant_code = factor(rep(d$participant_code, 2)),
                     group = factor(rep(d$group, 2)),
                     wave = factor(rep(c("pre", "post"), each = nrow(d)), levels = c("pre", "post")),
                     score = c(d$pre, d$post))
  fit <- aov(score ~ group * wave + Error(participant_code / wave), data = long)
  s <- summary(fit)
  between <- s[["Error: participant_code"]][[1]]
  within <- s[["Error: participant_code:wave"]][[1]]
  rownames(between) <- trimws(rownames(between)); rownames(within) <- trimws(rownames(within))
  es <- eta_squared(fit, partial = TRUE, ci = level, verbose = FALSE)
  row <- function(tab, term) {
    e <- es[es$Parameter == term, ]
    stopifnot(nrow(e) == 1)
    list(F = tab[term, "F value"], df1 = tab[term, "Df"], df2 = tab["Residuals", "Df"],
         p_value = tab[term, "Pr(>F)"], pes = e$Eta2_partial,
         pes_ci_low = e$CI_low, pes_ci_high = e$CI_high,
         root = eta2_root(tab[term, "F value"], tab[term, "Df"], tab["Residuals", "Df"], level))
  }
  list(group = row(between, "group"), time = row(within, "wave"),
       interaction = row(within, "group:wave"))
}

gain_reference <- function(d, level) {
  d <- d[!is.na(d$post - d$pre), ]
  d$gain <- d$post - d$pre
  # Treatment as the first level, so that t.test's formula method reports treatment - control.
  d$group <- factor(d$group, levels = c("treatment", "control"))
  w <- t.test(gain ~ group, data = d, var.equal = FALSE, conf.level = level)
  tg <- d$gain[d$group == "treatment"]; cg <- d$gain[d$group == "control"]
  stopifnot(abs(unname(t.test(tg, cg)$statistic - w$statistic)) < 1e-12)
  g <- hedges_g(tg, cg, pooled_sd = TRUE, ci = level, verbose = FALSE)
  pooled_t <- t.test(tg, cg, var.equal = TRUE)
  df <- length(tg) + length(cg) - 2; scale <- sqrt(1 / length(tg) + 1 / length(cg))
  lim <- t_root(unname(pooled_t$statistic), df, level) * scale * J(df)
  list(t = unname(w$statistic), df = unname(w$parameter), p_value = w$p.value,
       difference = mean(tg) - mean(cg), ci_low = w$conf.int[1], ci_high = w$conf.int[2],
       hedges_g = g$Hedges_g, g_ci_low = g$CI_low, g_ci_high = g$CI_high,
       root = list(g_ci_low = lim[1], g_ci_high = lim[2]))
}

subgroup_reference <- function(d, subgroup, level) {
  d <- d[complete.cases(d[c("pre", "post", subgroup)]), ]
  d$sub <- factor(d[[subgroup]])
  per_level <- as.list(table(d$sub))
  if (length(unique(d$group)) == 2) {
    d$group <- factor(d$group, levels = c("control", "treatment"))
    tab <- car::Anova(lm(post ~ pre + group * sub, data = d), type = 2)
    term <- "group:sub"
  } else {
    tab <- anova(lm(I(post - pre) ~ sub, data = d))   # one-way: gain ~ subgroup
    term <- "sub"
  }
  list(n = nrow(d), n_per_level = per_level,
       F = tab[term, "F value"], df1 = tab[term, "Df"], df2 = tab["Residuals", "Df"],
       p_value = tab[term, "Pr(>F)"], pes = pes_row(tab, term, level))
}

all_models <- function(d, level, subgroups = character()) {
  out <- list(ancova = ancova_reference(d, level), mixed_anova = mixed_reference(d, level),
              gain_comparison = gain_reference(d, level))
  for (s in subgroups) {
    out[[paste0("subgroup_", s, "_both")]] <- subgroup_reference(d, s, level)
    out[[paste0("subgroup_", s, "_treatment")]] <-
      subgroup_reference(d[d$group == "treatment", ], s, level)
  }
  out
}

# (a) MASS::anorexia: weight (lb) before and after treatment; each treatment against Cont.
anorexia_set <- function(treat) {
  a <- anorexia[anorexia$Treat %in% c(treat, "Cont"), ]
  data.frame(participant_code = sprintf("A%02d", seq_len(nrow(a))), pre = a$Prewt,
             post = a$Postwt, group = ifelse(a$Treat == treat, "treatment", "control"))
}

# (b) A five-item, 5-point Likert scale, scored as the item mean, before and after a program,
#     with a control group of a different size, two demographics and three dropouts (post NA).
set.seed(20260514)
nt <- 33; nc <- 28; n <- nt + nc; k <- 5
group <- c(rep("treatment", nt), rep("control", nc))
gender <- sample(c("L", "P"), n, replace = TRUE)
grade <- sample(c("X", "XI", "XII"), n, replace = TRUE)
person <- rnorm(n)
items <- function(shift) {
  latent <- 3.1 + 0.6 * person + shift + rnorm(n, 0, 0.3)
  sapply(seq_len(k), function(j) pmin(5, pmax(1, round(latent + rnorm(n, 0, 0.7)))))
}
pre_items <- items(0)
post_items <- items(ifelse(group == "treatment", 0.3 + 0.7 * (gender == "P"), 0.1))
likert <- data.frame(participant_code = sprintf("P%04d", seq_len(n)), group = group,
                     gender = gender, grade = grade,
                     pre = rowMeans(pre_items), post = rowMeans(post_items))
likert$post[c(4, 17, 40)] <- NA   # two treatment and one control participant left

out <- list(
  generated_by = paste("tests/reference/models.R;", R.version.string, "; car",
                       as.character(packageVersion("car")), "; effectsize",
                       as.character(packageVersion("effectsize"))),
  anorexia_CBT = list(level = 0.95, data = anorexia_set("CBT")),
  anorexia_FT = list(level = 0.95, data = anorexia_set("FT")),
  likert = list(level = 0.95, data = likert),
  likert_90 = list(level = 0.90, data = likert)
)
out$anorexia_CBT$result <- all_models(out$anorexia_CBT$data, 0.95)
out$anorexia_FT$result <- all_models(out$anorexia_FT$data, 0.95)
out$likert$result <- all_models(likert, 0.95, c("gender", "grade"))
out$likert_90$result <- all_models(likert, 0.90, c("gender"))
write_json(out, "models.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
           dataframe = "columns")
cat("wrote models.json\n")
