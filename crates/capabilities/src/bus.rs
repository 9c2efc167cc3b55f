//! `wasmcloud:bus/lattice@2.0.0`: a component linked to several targets of one interface under
//! different link names picks which one its next calls use.

use wasmtime::component::Resource;

use crate::bindings::wasmcloud::bus::lattice;
use crate::links::CapabilitiesView;

/// An interface `set-link-name` applies to.
pub struct CallTargetInterface {
    namespace: String,
    package: String,
    interface: String,
}

impl lattice::HostCallTargetInterface for CapabilitiesView<'_> {
    async fn new(
        &mut self,
        namespace: String,
        package: String,
        interface: String,
    ) -> wasmtime::Result<Resource<CallTargetInterface>> {
        Ok(self.table.push(CallTargetInterface {
            namespace,
            package,
            interface,
        })?)
    }

    async fn drop(&mut self, target: Resource<CallTargetInterface>) -> wasmtime::Result<()> {
        self.table.delete(target)?;
        Ok(())
    }
}

impl lattice::Host for CapabilitiesView<'_> {
    async fn set_link_name(
        &mut self,
        name: String,
        interfaces: Vec<Resource<CallTargetInterface>>,
    ) -> wasmtime::Result<Result<(), String>> {
        let mut chosen = Vec::with_capacity(interfaces.len());
        for target in interfaces {
            let target = self.table.delete(target)?;
            let package = format!("{}:{}", target.namespace, target.package);
            let linked = self
                .links
                .link_names
                .get(&package)
                .is_some_and(|names| names.contains(&name));
            if !linked {
                let known = self
                    .links
                    .link_names
                    .get(&package)
                    .map(|names| names.iter().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                return Ok(Err(format!(
                    "component {} has no {package} link named `{name}` (its {package} links: {})",
                    self.links.component_id,
                    if known.is_empty() { "none" } else { &known }
                )));
            }
            chosen.push((format!("{package}/{}", target.interface), name.clone()));
        }
        self.chosen.extend(chosen);
        Ok(Ok(()))
    }
}
