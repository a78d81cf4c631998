# Reference values for pkm-eval's between-arm analyses: ANCOVA (lm + car::Anova type 2),
# mixed ANOVA (aov with an Error stratum), gain scores (Welch t.test, effectsize::hedges_g)
# and subgroup interactions. Run: cd tests/reference && Rscript between.R (writes between.json)
suppressPackageStartupMessages({ library(jsonlite); library(MASS); library(car); library(effectsize) })

analyse <- function(d) {   # d: id, pre, post, group ("treatment"/"control"), optional sex
  d$group <- factor(d$group, levels = c("control", "treatment"))
  m <- lm(post ~ pre + group, data = d)
  a <- car::Anova(m, type = 2)
  ci <- confint(m)["grouptreatment", ]
  adj <- predict(m, data.frame(pre = mean(d$pre), group = c("treatment", "control")))
  slopes <- car::Anova(lm(post ~ pre * group, data = d), type = 2)
  long <- data.frame(id = factor(rep(d$id, 2)), group = rep(d$group, 2),
                     wave = factor(rep(c("pre", "post"), each = nrow(d)), levels = c("pre", "post")),
                     score = c(d$pre, d$post))
  s <- summary(aov(score ~ group * wave + Error(id / wave), data = long))
  between <- s[["Error: id"]][[1]]; within <- s[["Error: id:wave"]][[1]]
  pes <- function(tab, row) tab[row, "Sum Sq"] / (tab[row, "Sum Sq"] + tab["Residuals", "Sum Sq"])
  rn <- function(tab) trimws(rownames(tab))
  rownames(between) <- rn(between); rownames(within) <- rn(within)
  gain_t <- d$post[d$group == "treatment"] - d$pre[d$group == "treatment"]
  gain_c <- d$post[d$group == "control"] - d$pre[d$group == "control"]
  w <- t.test(gain_t, gain_c, var.equal = FALSE)
  g <- hedges_g(gain_t, gain_c, pooled_sd = TRUE)
  out <- list(
    ancova = list(adjusted_difference = unname(coef(m)["grouptreatment"]),
                  ci_low = unname(ci[1]), ci_high = unname(ci[2]),
                  F = a["group", "F value"], p = a["group", "Pr(>F)"], df_resid = m$df.residual,
                  pes = a["group", "Sum Sq"] / (a["group", "Sum Sq"] + a["Residuals", "Sum Sq"]),
                  adjusted_mean_treatment = unname(adj[1]), adjusted_mean_control = unname(adj[2]),
                  slopes_F = slopes["pre:group", "F value"], slopes_p = slopes["pre:group", "Pr(>F)"]),
    mixed = list(group_F = between["group", "F value"], group_p = between["group", "Pr(>F)"],
                 group_pes = pes(between, "group"), df2 = within["Residuals", "Df"],
                 time_F = within["wave", "F value"], time_p = within["wave", "Pr(>F)"],
                 time_pes = pes(within, "wave"),
                 inter_F = within["group:wave", "F value"], inter_p = within["group:wave", "Pr(>F)"],
                 inter_pes = pes(within, "group:wave")),
    gain = list(t = unname(w$statistic), df = unname(w$parameter), p = w$p.value,
                difference = mean(gain_t) - mean(gain_c), ci_low = w$conf.int[1],
                ci_high = w$conf.int[2], g = g$Hedges_g, g_low = g$CI_low, g_high = g$CI_high))
  if (!is.null(d$sex)) {
    d$sex <- factor(d$sex)
    both <- car::Anova(lm(post ~ pre + group * sex, data = d), type = 2)
    tr <- d[d$group == "treatment", ]
    one <- anova(lm(I(post - pre) ~ sex, data = tr))
    out$subgroup_both <- list(F = both["group:sex", "F value"], df1 = both["group:sex", "Df"],
                              df2 = both["Residuals", "Df"], p = both["group:sex", "Pr(>F)"])
    out$subgroup_treatment <- list(F = one["sex", "F value"], df1 = one["sex", "Df"],
                                   df2 = one["Residuals", "Df"], p = one["sex", "Pr(>F)"])
  }
  list(data = d, result = out)
}

an <- function(treat) {
  a <- anorexia[anorexia$Treat %in% c(treat, "Cont"), ]
  analyse(data.frame(id = seq_len(nrow(a)), pre = a$Prewt, post = a$Postwt,
                     group = ifelse(a$Treat == treat, "treatment", "control")))
}
set.seed(2026)
nt <- 32; nc <- 27
person <- rnorm(nt + nc)
grp <- c(rep("treatment", nt), rep("control", nc))
pre <- round(pmin(5, pmax(1, 3.3 + 0.6 * person + rnorm(nt + nc, 0, 0.3))) * 4) / 4
post <- round(pmin(5, pmax(1, pre + ifelse(grp == "treatment", 0.45, 0.1) + rnorm(nt + nc, 0, 0.35))) * 4) / 4
likert <- analyse(data.frame(id = seq_along(pre), pre = pre, post = post, group = grp,
                             sex = sample(c("L", "P"), nt + nc, replace = TRUE)))
out <- list(generated_by = paste("tests/reference/between.R;", R.version.string),
            anorexia_CBT = an("CBT"), anorexia_FT = an("FT"), likert = likert)
write_json(out, "between.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE,
           dataframe = "columns")
cat("wrote between.json\n")
