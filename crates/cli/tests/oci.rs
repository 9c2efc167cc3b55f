//! OCI distribution through the real binary against a real registry (`docker-registry`, the
//! CNCF distribution server) started on a free port: `weft push`, `pull` and `inspect`,
//! interop with `skopeo` both ways, apps deployed from the registry and again from the cache
//! once the registry is down, and the ways a pull goes wrong.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::{RegistryServer, Weft, app_status_of, client, client_with_env, free_port, get, weft};
use weft_test_servers::TestPki;

/// Runs `weft ARGS --state-dir STATE --allow-insecure REGISTRY`; (code, stdout, stderr).
fn oci(state: &Path, registry: &RegistryServer, args: &[&str]) -> (i32, String, String) {
    let mut all = args.to_vec();
    let host = registry.host();
    all.extend(["--allow-insecure", &host]);
    client(state, &all)
}

/// `skopeo ARGS` (plain HTTP to the test registry); panics with its output on failure.
fn skopeo(args: &[&str]) -> String {
    let output = Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo runs (scripts/test installs it)");
    assert!(
        output.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn hello() -> &'static str {
    weft_examples::EXAMPLES[0].path
}

#[test]
fn push_pull_inspect_and_skopeo_read_each_others_artifacts() {
    let registry = RegistryServer::start();
    let state = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let reference = format!("{}/demo/hello:1.0.0", registry.host());

    let (code, stdout, stderr) = oci(
        state.path(),
        &registry,
        &[
            "push",
            hello(),
            &reference,
            "--image-version",
            "1.0.0",
            "--description",
            "says hello",
            "--source",
            "https://example.com/hello",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let pushed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let layer = pushed["layer_digest"].as_str().unwrap().to_owned();

    // weft pulls it (and the second time, only asks whether it changed).
    let out = work.path().join("pulled.wasm");
    let (code, stdout, stderr) = oci(
        state.path(),
        &registry,
        &[
            "pull",
            &reference,
            "--out",
            out.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "no progress under -o json: {stderr}");
    let pulled: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(pulled["downloaded"], true);
    assert_eq!(pulled["layer_digest"], layer.as_str());
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(hello()).unwrap()
    );
    let (_, stdout, stderr) = oci(state.path(), &registry, &["pull", &reference]);
    assert!(stdout.contains("already cached"), "{stdout}");
    assert_eq!(
        stderr,
        format!("pulling {reference}: resolving\npulling {reference}: already in the cache\n"),
        "progress as plain lines off a terminal"
    );

    let (code, stdout, stderr) = oci(
        state.path(),
        &registry,
        &["inspect", &reference, "-o", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let inspected: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(inspected["layer_media_type"], "application/wasm");
    assert_eq!(
        inspected["config_media_type"],
        "application/vnd.wasm.config.v0+json"
    );
    assert_eq!(
        inspected["annotations"]["org.opencontainers.image.description"],
        "says hello"
    );
    assert!(
        inspected["exports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|export| export
                .as_str()
                .unwrap()
                .starts_with("wasi:http/incoming-handler")),
        "{inspected}"
    );
    let (code, stdout, _) = client(state.path(), &["inspect", hello()]);
    assert_eq!(code, 0);
    assert!(stdout.contains(&layer), "{stdout}");

    // skopeo reads what weft pushed…
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{reference}"),
    ]);
    let manifest: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(manifest["layers"][0]["mediaType"], "application/wasm");
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.version"],
        "1.0.0"
    );
    let copied = work.path().join("copied");
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{reference}"),
        &format!("dir:{}", copied.display()),
    ]);
    let blob = copied.join(layer.trim_start_matches("sha256:"));
    assert_eq!(
        std::fs::read(blob).unwrap(),
        std::fs::read(hello()).unwrap()
    );
    // …and weft pulls what skopeo pushed.
    let again = format!("{}/mirror/hello:2.0.0", registry.host());
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("dir:{}", copied.display()),
        &format!("docker://{again}"),
    ]);
    let (code, stdout, stderr) = oci(state.path(), &registry, &["pull", &again, "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let pulled: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(pulled["layer_digest"], layer.as_str());

    // An artifact whose layer is not a component is refused, naming what it is.
    let manifest_file = copied.join("manifest.json");
    let tarred = std::fs::read_to_string(&manifest_file)
        .unwrap()
        .replace("application/wasm", "application/vnd.oci.image.layer.v1.tar");
    std::fs::write(&manifest_file, tarred).unwrap();
    let not_wasm = format!("{}/demo/image:1.0.0", registry.host());
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("dir:{}", copied.display()),
        &format!("docker://{not_wasm}"),
    ]);
    let (code, _, stderr) = oci(state.path(), &registry, &["pull", &not_wasm]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("is not a component artifact")
            && stderr.contains("application/vnd.oci.image.layer.v1.tar"),
        "{stderr}"
    );
}

#[test]
fn pulls_that_go_wrong_say_why() {
    let registry = RegistryServer::start();
    let state = tempfile::tempdir().unwrap();
    let host = registry.host();
    let reference = format!("{host}/demo/hello:1.0.0");
    let (code, _, stderr) = oci(state.path(), &registry, &["push", hello(), &reference]);
    assert_eq!(code, 0, "{stderr}");

    let (code, _, stderr) = oci(
        state.path(),
        &registry,
        &["pull", &format!("{host}/demo/hello:latest")],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("--allow-latest"), "{stderr}");
    let (code, _, stderr) = oci(
        state.path(),
        &registry,
        &["pull", &format!("{host}/demo/nope:1.0.0")],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("manifest unknown") && stderr.contains("check the repository and tag"),
        "{stderr}"
    );
    // Without --allow-insecure the registry is asked over HTTPS, and the error says so.
    let (code, _, stderr) = client(state.path(), &["pull", &reference]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("--allow-insecure {host}")),
        "{stderr}"
    );
    let not_a_component = state.path().join("notes.txt");
    std::fs::write(&not_a_component, "not wasm").unwrap();
    let (code, _, stderr) = oci(
        state.path(),
        &registry,
        &["push", not_a_component.to_str().unwrap(), &reference],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("is not a WebAssembly component"),
        "{stderr}"
    );

    // Bytes changed in the registry's storage do not match their digest: refused.
    let data = support::entries_under(registry.storage.path())
        .into_iter()
        .find(|path| {
            path.ends_with("data")
                && path.is_file()
                && std::fs::metadata(path).unwrap().len() > 1000
        })
        .expect("the component's blob in the registry's storage");
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&data, bytes).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let (code, _, stderr) = oci(fresh.path(), &registry, &["pull", &reference]);
    assert_eq!(code, 1);
    assert!(stderr.to_lowercase().contains("digest"), "{stderr}");
}

/// Runs `weft ARGS --state-dir STATE` on a terminal (`script` gives it one); what the
/// terminal showed.
fn on_a_terminal(state: &Path, args: &[&str]) -> String {
    let command = [env!("CARGO_BIN_EXE_weft")]
        .iter()
        .chain(args)
        .chain(&["--state-dir", state.to_str().unwrap()])
        .map(|arg| format!("'{arg}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .expect("script runs (util-linux)");
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{command}: {shown}");
    shown
}

#[test]
fn progress_is_a_bar_on_a_terminal() {
    let registry = RegistryServer::start();
    let state = tempfile::tempdir().unwrap();
    let reference = format!("{}/demo/hello:2.0.0", registry.host());
    let host = registry.host();
    let insecure = ["--allow-insecure", host.as_str()];

    let shown = on_a_terminal(
        state.path(),
        &[&["push", hello(), &reference][..], &insecure].concat(),
    );
    assert!(
        shown.contains(&format!("pushing {reference}  uploading"))
            && shown.contains(&format!(
                "\r\x1b[2Kpushing {reference}  writing the manifest"
            ))
            && shown.contains(&format!("\r\x1b[2Kpushed {reference}")),
        "the steps redraw one line, cleared before the result: {shown:?}"
    );
    let shown = on_a_terminal(
        state.path(),
        &[&["pull", &reference][..], &insecure].concat(),
    );
    let size = std::fs::metadata(hello()).unwrap().len();
    // What follows the last line clear is the result alone: the bar was cleared.
    let after_clear = shown.rsplit("\x1b[2K").next().unwrap_or_default();
    assert!(
        shown.contains(&format!("[{}]   0%  0 B / ", "-".repeat(30)))
            && shown.contains(&format!("[{}] 100%", "#".repeat(30)))
            && after_clear.contains(&format!("{reference} downloaded"))
            && !after_clear.contains('%')
            && shown.contains(&format!("({size} bytes)")),
        "a bar from 0 to 100%, cleared before the result: {shown:?}"
    );
}

/// `weft up` on `state` that may pull from `registry` over plain HTTP.
fn up_with_registry(state: &Path, registry: &RegistryServer) -> Weft {
    let mut command = weft();
    command
        .env("WEFT_OCI_ALLOW_INSECURE", registry.host())
        .args(["up", "--api-addr", "127.0.0.1:0", "--no-example"]);
    support::spawn_on(command, state)
}

/// The hello example as app `name` on `port`, its image `image`.
fn hello_from(dir: &Path, name: &str, port: u16, image: &str) -> String {
    support::example_app(
        dir,
        name,
        weft_examples::EXAMPLES[0].manifest,
        &[],
        &[
            ("name: hello\n", &format!("name: {name}\n")),
            ("file://./build/http_hello_world.wasm", image),
            ("127.0.0.1:8088", &format!("127.0.0.1:{port}")),
        ],
    )
}

#[test]
fn apps_deploy_from_the_registry_and_from_the_cache_once_it_is_down() {
    let registry = RegistryServer::start();
    let registry_port = registry.port;
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let image = format!("{}/demo/hello:1.0.0", registry.host());
    let (code, _, stderr) = oci(state.path(), &registry, &["push", hello(), &image]);
    assert_eq!(code, 0, "{stderr}");
    let _up = up_with_registry(state.path(), &registry);

    let port = free_port();
    let file = hello_from(dir.path(), "first", port, &image);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        get(&format!("http://127.0.0.1:{port}/")),
        (200, "Hello from weft!\n".into())
    );

    // The registry goes away: the cached image still deploys; an image never pulled fails
    // with the reason.
    drop(registry);
    let port = free_port();
    let file = hello_from(dir.path(), "second", port, &image);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        get(&format!("http://127.0.0.1:{port}/")),
        (200, "Hello from weft!\n".into())
    );
    let missing = image.replace("hello:1.0.0", "other:1.0.0");
    let third_port = free_port();
    let file = hello_from(dir.path(), "third", third_port, &missing);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("cannot run `{missing}`")) && stderr.contains("running?"),
        "{stderr}"
    );
    // `app status` keeps the registry's answer and what to do while the app waits for its
    // retry; the image appears, and the app deploys by itself.
    let (_, stdout, _) = client(state.path(), &["app", "status", "third"]);
    assert!(
        stdout.starts_with("third v0.1.0: failed")
            && stdout.contains(&format!("pulling `{missing}` failed"))
            && stdout.contains("running?"),
        "{stdout}"
    );
    let registry = RegistryServer::start_on(registry_port);
    let (code, _, stderr) = oci(state.path(), &registry, &["push", hello(), &missing]);
    assert_eq!(code, 0, "{stderr}");
    let deployed = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let (_, stdout, _) = client(state.path(), &["app", "status", "third", "-o", "json"]);
        app_status_of(&stdout) == "deployed"
    });
    let (_, stdout, _) = client(state.path(), &["app", "status", "third"]);
    assert!(deployed, "the retry pulls it: {stdout}");
    assert_eq!(
        get(&format!("http://127.0.0.1:{third_port}/")),
        (200, "Hello from weft!\n".into())
    );
}

#[test]
fn a_registry_with_basic_auth_gets_the_credentials_given_for_it() {
    let secrets = tempfile::tempdir().unwrap();
    let htpasswd = secrets.path().join("htpasswd");
    let hash = bcrypt::hash("s3cret", 4).unwrap();
    std::fs::write(&htpasswd, format!("ann:{hash}\n")).unwrap();
    let registry = RegistryServer::start_with(
        "",
        &format!(
            "auth:\n  htpasswd:\n    realm: weft-test\n    path: {}\n",
            htpasswd.display()
        ),
    );
    let host = registry.host();
    let state = tempfile::tempdir().unwrap();
    let reference = format!("{host}/private/hello:1.0.0");

    let (code, _, stderr) = oci(state.path(), &registry, &["push", hello(), &reference]);
    assert_eq!(code, 1);
    assert!(stderr.contains(&format!("docker login {host}")), "{stderr}");
    let push_as_ann = |password: &str| {
        oci(
            state.path(),
            &registry,
            &[
                "push",
                hello(),
                &reference,
                "--registry",
                &host,
                "--registry-user",
                "ann",
                "--registry-password",
                password,
            ],
        )
    };
    let (code, _, stderr) = push_as_ann("wrong");
    assert_eq!(code, 1);
    assert!(stderr.contains("refused the credentials"), "{stderr}");
    let (code, _, stderr) = push_as_ann("s3cret");
    assert_eq!(code, 0, "{stderr}");

    // `docker login` leaves them in config.json (`auth` is base64 of `ann:s3cret`).
    let docker = tempfile::tempdir().unwrap();
    std::fs::write(
        docker.path().join("config.json"),
        format!(r#"{{"auths": {{"{host}": {{"auth": "YW5uOnMzY3JldA=="}}}}}}"#),
    )
    .unwrap();
    let (code, stdout, stderr) = client_with_env(
        state.path(),
        &["pull", &reference, "--allow-insecure", &host],
        &[("DOCKER_CONFIG", docker.path())],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("downloaded"), "{stdout}");

    // A credential helper keeps them, named for this registry or for all.
    let helpers = tempfile::tempdir().unwrap();
    let asked = helpers.path().join("asked.log");
    let helper = helpers.path().join("docker-credential-weft-test");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread -r server\necho \"$server\" >> {}\nif [ \"$server\" = \"{host}\" ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"ann\",\"Secret\":\"s3cret\"}}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'\n  exit 1\nfi\n",
            asked.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        helpers.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let with_config = |config: String| {
        std::fs::write(docker.path().join("config.json"), config).unwrap();
        let fresh = tempfile::tempdir().unwrap();
        client_with_env(
            fresh.path(),
            &["pull", &reference, "--allow-insecure", &host],
            &[("DOCKER_CONFIG", docker.path()), ("PATH", Path::new(&path))],
        )
    };
    for config in [
        format!(r#"{{"credHelpers": {{"{host}": "weft-test"}}}}"#),
        // `docker login` with a store leaves an empty entry in `auths`.
        format!(r#"{{"auths": {{"{host}": {{}}}}, "credsStore": "weft-test"}}"#),
    ] {
        let (code, stdout, stderr) = with_config(config);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("downloaded"), "{stdout}");
    }
    assert_eq!(
        std::fs::read_to_string(&asked).unwrap(),
        format!("{host}\n{host}\n"),
        "each run asks the helper once, for this registry only"
    );
    let (code, _, stderr) = with_config(format!(r#"{{"credHelpers": {{"{host}": "absent"}}}}"#));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`docker-credential-absent` failed") && stderr.contains("not installed"),
        "{stderr}"
    );
}

#[test]
fn an_https_registry_with_its_own_ca_is_trusted_with_ca_cert() {
    let pki = TestPki::new();
    let (certificate, key) = pki.server();
    let registry = RegistryServer::start_with(
        &format!(
            "  tls:\n    certificate: {}\n    key: {}\n",
            certificate.display(),
            key.display()
        ),
        "",
    );
    let state = tempfile::tempdir().unwrap();
    let reference = format!("{}/secure/hello:1.0.0", registry.host());

    let (code, _, stderr) = client(state.path(), &["push", hello(), &reference]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--ca-cert"), "{stderr}");
    let ca = pki.ca();
    let (code, _, stderr) = client(
        state.path(),
        &[
            "push",
            hello(),
            &reference,
            "--ca-cert",
            ca.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = client(
        state.path(),
        &["pull", &reference, "--ca-cert", ca.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    // The push does not fill the cache, so this pull downloads.
    assert!(stdout.contains("downloaded"), "{stdout}");
    let (code, _, stderr) = client(
        state.path(),
        &[
            "pull",
            &reference,
            "--ca-cert",
            pki.not_a_certificate().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("is not a PEM certificate"), "{stderr}");
}
