"""Build and install the aml package on an installed libaml.

    pip install ./python

finds libaml with pkg-config (aml.pc: set PKG_CONFIG_PATH for a prefix of
your own) and builds the aml._aml extension against it, with the library's
directory as its run path. Only setuptools and wheel are needed (Debian:
python3-setuptools, python3-wheel), and numpy at run time; nothing is
downloaded. A pip that builds every project in an isolated environment
(pip 23.1 and later may) needs --no-build-isolation where there is no
network.
"""

import shlex
import subprocess

from setuptools import Extension, setup


def pkg_config(*args: str) -> str:
    try:
        return subprocess.run(["pkg-config", *args, "aml"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(
            f"aml: pkg-config cannot find libaml ({exc}). Install AML "
            "first (cmake --install); for a prefix other than /usr or "
            "/usr/local, set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig") from None


libdir = pkg_config("--variable=libdir")
extension = Extension(
    "aml._aml",
    sources=["ext/module.c", "ext/area.c", "ext/mapping.c", "ext/inspect.c"],
    depends=["ext/amlpy.h"],
    extra_compile_args=shlex.split(pkg_config("--cflags")),
    extra_link_args=shlex.split(pkg_config("--libs")) +
    [f"-Wl,-rpath,{libdir}"],
)

setup(
    name="aml",
    version=pkg_config("--modversion"),
    description="numpy arrays placed on NUMA nodes by AML areas",
    packages=["aml"],
    package_data={"aml": ["py.typed", "_aml.pyi"]},
    ext_modules=[extension],
    python_requires=">=3.10",
    install_requires=["numpy"],
)
