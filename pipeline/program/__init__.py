"""The parts of a program beside the questionnaire: attendance and dose, the service log, plan
against achieved, the aspiration question and the CBPR cycle, analysed after the compare stage
(:func:`pipeline.program.parts.program_parts`)."""
