"""Package layout for setuptools (all metadata is in pyproject.toml).

The shipped configs stay at the top of the source tree (``configs/``, ``recipe/``) and go into the wheel
inside the package, as ``longrlvr/_shipped/configs`` and ``longrlvr/_shipped/recipe``; ``longrlvr.shipped``
finds them in either place. ``data_gen`` is still its own top-level package (it imports itself as
``data_gen``); ``recipe`` is no longer installed as a top-level package.
"""

from setuptools import find_namespace_packages, setup

SHIPPED = ("configs", "recipe")
shipped_dirs = {
    f"longrlvr._shipped.{name}": name.replace(".", "/")
    for name in find_namespace_packages(include=[f"{root}*" for root in SHIPPED], exclude=["*__pycache__*"])
}
setup(
    # namespace discovery also picks up data-only folders such as longrlvr/judge/prompts
    packages=[*find_namespace_packages(include=["longrlvr*", "data_gen*"], exclude=["*__pycache__*"]), *shipped_dirs],
    package_dir=shipped_dirs,
)
