"""The web page (``pkm-eval app``): a local Streamlit page that takes a lecturer from two survey
exports to the reports in five steps, as a thin face over the package's public API.

``page.py`` is the Streamlit script (the steps as people see them), ``steps.py`` what each step
does with the package (drafting, writing the study file, checking, reviews), ``runner.py`` the
run in a background thread, ``launch.py`` the command that starts Streamlit on 127.0.0.1 with
its usage statistics off. No statistic, rule or file format lives here. The page's words are in
``pipeline/resources/app_text.yaml`` (Indonesian and English).
"""
