"""Package layout for setuptools (all metadata is in pyproject.toml).

``longrlvr`` is the only installed package. Three top-level source folders go into it: ``data_gen/`` is installed
as ``longrlvr.data_gen``, and the shipped configs (``configs/``, ``recipe/``) as ``longrlvr/_shipped/configs`` and
``longrlvr/_shipped/recipe`` (``longrlvr.shipped`` finds them in either place).
"""

from setuptools import find_namespace_packages, setup

MAPPED = {"data_gen": "longrlvr.data_gen", "configs": "longrlvr._shipped.configs", "recipe": "longrlvr._shipped.recipe"}


def _mapped_packages(folder: str, package: str) -> dict[str, str]:
    """Every (namespace) package under a top-level source folder, named inside ``longrlvr``."""
    found = find_namespace_packages(include=[folder, f"{folder}.*"], exclude=["*__pycache__*"])
    return {package + name[len(folder) :]: name.replace(".", "/") for name in found}


package_dir = {
    name: path for folder, package in MAPPED.items() for name, path in _mapped_packages(folder, package).items()
}
setup(
    # namespace discovery also picks up data-only folders such as longrlvr/judge/prompts
    packages=[*find_namespace_packages(include=["longrlvr*"], exclude=["*__pycache__*"]), *package_dir],
    package_dir=package_dir,
)
