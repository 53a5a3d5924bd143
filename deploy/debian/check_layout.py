#!/usr/bin/python3
"""check_layout.py BUILD_DIR DEBIAN_DIR: the Debian packages' file lists
(DEBIAN_DIR/*.install) against what `cmake --install` writes.

Installs BUILD_DIR with prefix /usr into a temporary root, then fails when a
line of a .install file matches nothing, or when an installed file belongs to
no package or to two. debian/rules sets CRM_SYSTEMD_UNITDIR=/lib/systemd/system;
a test build keeps the default (under the prefix), so usr/lib/systemd/system is
read as lib/systemd/system here.
"""
import os
import subprocess
import sys
import tempfile

UNITS_UNDER_PREFIX = "usr/lib/systemd/system/"
UNITS_DEBIAN = "lib/systemd/system/"


def installed_files(build_dir):
    root = tempfile.mkdtemp(prefix="crm-layout-")
    env = dict(os.environ, DESTDIR=root)
    subprocess.run(["cmake", "--install", build_dir, "--prefix", "/usr"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    files = set()
    for top, _dirs, names in os.walk(root):
        for name in names:
            rel = os.path.relpath(os.path.join(top, name), root)
            if rel.startswith(UNITS_UNDER_PREFIX):
                rel = UNITS_DEBIAN + rel[len(UNITS_UNDER_PREFIX):]
            files.add(rel)
    subprocess.run(["rm", "-rf", root], check=True)
    return files


def package_lists(debian_dir):
    lists = {}
    for name in sorted(os.listdir(debian_dir)):
        if name.endswith(".install"):
            with open(os.path.join(debian_dir, name), encoding="utf-8") as f:
                lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
            lists[name[:-len(".install")]] = lines
    return lists


def claimed_by(line, files):
    """The installed files one .install line takes: the file, or a folder's tree."""
    return {f for f in files if f == line or f.startswith(line.rstrip("/") + "/")}


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    files = installed_files(sys.argv[1])
    owners = {f: [] for f in files}
    errors = []
    for pkg, lines in package_lists(sys.argv[2]).items():
        for line in lines:
            taken = claimed_by(line, files)
            if not taken:
                errors.append(f"{pkg}.install: {line} matches no installed file")
            for f in taken:
                owners[f].append(pkg)
    for f, pkgs in sorted(owners.items()):
        if not pkgs:
            errors.append(f"{f} is installed but in no package (debian/*.install)")
        elif len(pkgs) > 1:
            errors.append(f"{f} is in {len(pkgs)} packages: {', '.join(pkgs)}")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{len(files)} installed files, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
