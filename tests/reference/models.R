# Reference values for pipeline/stats/models.py: ANCOVA (lm + car::Anova type 2), partial eta
# squared with its noncentral-F interval (effectsize::eta_squared), the mixed ANOVA (aov with an
# Error stratum), gain scores (Welch t.test, effectsize::hedges_g) and subgroup interactions.
# Run: cd tests/reference && Rscript models.R   (writes models.json)
# R 4.2, car 3.1, effectsize 0.8.3 (its eta_squared CI is one-sided, alternative = "greater",
# by default: the lower limit of the two-sided 2 * level - 1 interval, upper limit 1).
suppressPackageStartupMessages({
  library(jsonlite); library(MASS); library(car); library(effectsize)
})

pes_row <- function(table, term, level, alternative = "greater") {
  es <- eta_squared(table, partial = TRUE, ci = level, alternative = alternative,
                    verbose = FALSE)
  es <- es[es$Parameter == term, ]
  stopifnot(nrow(es) == 1)
  list(value = es[[2]], ci_low = es$CI_low, ci_high = es$CI_high)
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
    list(F = tab[term, "F value"], df1 = tab[term, "Df"], df2 = tab["Residuals", "Df"],
         p_value = tab[term, "Pr(>F)"], pes = e$Eta2_partial,
         pes_ci_low = e$CI_low, pes_ci_high = e$CI_high)
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
  list(t = unname(w$statistic), df = unname(w$parameter), p_value = w$p.value,
       difference = mean(tg) - mean(cg), ci_low = w$conf.int[1], ci_high = w$conf.int[2],
       hedges_g = g$Hedges_g, g_ci_low = g$CI_low, g_ci_high = g$CI_high)
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
post_items <- items(ifelse(group == "treatment", 0.5 + 0.3 * (gender == "P"), 0.1))
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
