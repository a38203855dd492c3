# Sphinx configuration of the acstor.edge docs site (tests/publish/build_docs.sh, `make docs`).
# Starts from what `antsibull-docs sphinx-init` writes, with two changes for this network and our guides:
# the Ansible docs inventory is written locally (tests/publish/ansible_inventory.py: docs.ansible.com is
# out of CI's reach), and MyST renders the Markdown guides.
import os

project = "acstor.edge"
copyright = "acstor.edge developers"
title = "acstor.edge"
html_short_title = "acstor.edge"

extensions = ["sphinx.ext.intersphinx", "sphinx_antsibull_ext", "myst_parser"]
intersphinx_mapping = {
    "ansible": ("https://docs.ansible.com/projects/ansible/latest/", os.environ["ACSTOR_ANSIBLE_INVENTORY"]),
}
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

# Every reference must resolve (warnings are errors in the build).
default_role = "any"
nitpicky = True
# The guides are GitHub-style Markdown: heading anchors for their in-page links.
myst_heading_anchors = 3
