# tflint for terraform/ (tox -e lint runs it through harness/validate.py).
# Rules as terraform-aws-modules enable them (the --only list of their
# pre-commit terraform_tflint hook), on top of the ruleset's "recommended"
# preset.
config {
  call_module_type = "local"
  force            = false
}

# tflint-ruleset-terraform, built by scripts/bootstrap (versions.env) into
# TFLINT_PLUGIN_DIR; no source/version here, so nothing is downloaded.
plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

rule "terraform_comment_syntax" { enabled = true }
rule "terraform_deprecated_index" { enabled = true }
rule "terraform_deprecated_interpolation" { enabled = true }
rule "terraform_documented_outputs" { enabled = true }
rule "terraform_documented_variables" { enabled = true }
rule "terraform_module_pinned_source" { enabled = true }
rule "terraform_naming_convention" { enabled = true }
rule "terraform_required_providers" { enabled = true }
rule "terraform_required_version" { enabled = true }
rule "terraform_standard_module_structure" { enabled = true }
rule "terraform_typed_variables" { enabled = true }
rule "terraform_unused_declarations" { enabled = true }
rule "terraform_unused_required_providers" { enabled = true }
rule "terraform_workspace_remote" { enabled = true }
