//! Shared by the manager's tests: a simulated lattice that applies commands the way a host
//! would, and the hello manifest.

#![allow(dead_code)] // Each test binary uses a different subset.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use weft_manager::{
    Command, DesiredApp, ObservedHost, ObservedLattice, RunningCapability, RunningComponent,
    desired_state, reconcile,
};

/// Applies one command the way a host would.
pub fn apply(observed: &mut ObservedLattice, command: &Command) {
    if observed.apply_shared(command) {
        return;
    }
    match command {
        Command::ScaleComponent {
            host_id,
            component_id,
            image,
            count,
            app,
            secrets,
            limits,
            ..
        } => {
            let host = observed
                .hosts
                .iter_mut()
                .find(|h| &h.id == host_id)
                .unwrap();
            host.components.retain(|c| &c.id != component_id);
            if *count > 0 {
                host.components.push(RunningComponent {
                    id: component_id.clone(),
                    image: image.clone(),
                    count: *count,
                    secrets: secrets.clone(),
                    limits: *limits,
                    app: app.clone(),
                });
            }
        }
        Command::StartCapability {
            host_id,
            capability_id,
            image,
            app,
            ..
        } => {
            let host = observed
                .hosts
                .iter_mut()
                .find(|h| &h.id == host_id)
                .unwrap();
            host.capabilities.retain(|c| &c.id != capability_id);
            host.capabilities.push(RunningCapability {
                id: capability_id.clone(),
                image: image.clone(),
                app: app.clone(),
            });
        }
        Command::StopCapability {
            host_id,
            capability_id,
        } => {
            let host = observed
                .hosts
                .iter_mut()
                .find(|h| &h.id == host_id)
                .unwrap();
            host.capabilities.retain(|c| &c.id != capability_id);
        }
        Command::PutConfig { .. }
        | Command::DeleteConfig { .. }
        | Command::PutLink(_)
        | Command::DeleteLink { .. } => {}
    }
}

/// Reconciles and applies until nothing is left to do (at most a few rounds).
pub fn converge(desired: &DesiredApp, observed: &mut ObservedLattice) -> usize {
    for round in 0..5 {
        let plan = reconcile(desired, observed);
        if plan.commands.is_empty() {
            return round;
        }
        for command in &plan.commands {
            apply(observed, command);
        }
    }
    panic!(
        "did not converge in 5 rounds: {:#?}",
        reconcile(desired, observed)
    );
}

pub fn host(id: &str, labels: &[(&str, &str)]) -> ObservedHost {
    ObservedHost {
        id: id.into(),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        ..ObservedHost::default()
    }
}

/// A lattice of one unlabelled host, `h1`, running nothing.
pub fn one_host() -> ObservedLattice {
    ObservedLattice {
        hosts: vec![host("h1", &[])],
        ..Default::default()
    }
}

pub fn manifest(text: &str) -> DesiredApp {
    let loaded = weft_manifest::load("test.yaml", text)
        .unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
    desired_state(&loaded.manifest)
}

pub const HELLO: &str = r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: hello, annotations: {}}
spec:
  components:
    - name: http-component
      type: component
      properties: {image: "file://./hello.wasm"}
      traits:
        - type: spreadscaler
          properties: {instances: 100}
    - name: httpserver
      type: capability
      properties: {image: "ghcr.io/wasmcloud/http-server:0.27.0"}
      traits:
        - type: link
          properties:
            namespace: wasi
            package: http
            interfaces: [incoming-handler]
            target: {name: http-component}
            source:
              config: [{name: default-http, properties: {address: "127.0.0.1:8000"}}]
"#;
