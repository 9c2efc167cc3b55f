//! `wasmcloud:bus/lattice` (2.0.0, and 1.0.0 for components built against it): a component
//! linked to several targets of one interface under different link names picks which one
//! its next calls use.

use wasmtime::component::Resource;

use crate::bindings::wasmcloud::{bus1_0_0, bus2_0_0};
use crate::links::CapabilitiesView;

/// An interface `set-link-name` applies to.
pub struct CallTargetInterface {
    namespace: String,
    package: String,
    interface: String,
}

impl CapabilitiesView<'_> {
    fn new_call_target(
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

    /// Makes `name` the link the next calls to `interfaces` use. Names the component has no
    /// link for are refused (nothing changes), unless `even_unlinked` (1.0.0 reports nothing
    /// back, so a later call says what is missing instead).
    fn choose_link(
        &mut self,
        name: String,
        interfaces: Vec<Resource<CallTargetInterface>>,
        even_unlinked: bool,
    ) -> wasmtime::Result<Result<(), String>> {
        let mut chosen = Vec::with_capacity(interfaces.len());
        let mut refusal = None;
        for target in interfaces {
            let target = self.table.delete(target)?;
            let package = format!("{}:{}", target.namespace, target.package);
            let linked = self
                .links
                .link_names
                .get(&package)
                .is_some_and(|names| names.contains(&name));
            if !linked && refusal.is_none() {
                let known = self
                    .links
                    .link_names
                    .get(&package)
                    .map(|names| names.iter().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                refusal = Some(format!(
                    "component {} has no {package} link named `{name}` (its {package} links: {})",
                    self.links.component_id,
                    if known.is_empty() { "none" } else { &known }
                ));
            }
            chosen.push((format!("{package}/{}", target.interface), name.clone()));
        }
        if let Some(refusal) = refusal {
            if !even_unlinked {
                return Ok(Err(refusal));
            }
            tracing::warn!(
                component = &*self.links.component_id,
                "set-link-name: {refusal}; its next calls there will fail"
            );
        }
        self.chosen.extend(chosen);
        Ok(Ok(()))
    }
}

impl bus2_0_0::lattice::HostCallTargetInterface for CapabilitiesView<'_> {
    async fn new(
        &mut self,
        namespace: String,
        package: String,
        interface: String,
    ) -> wasmtime::Result<Resource<CallTargetInterface>> {
        self.new_call_target(namespace, package, interface)
    }

    async fn drop(&mut self, target: Resource<CallTargetInterface>) -> wasmtime::Result<()> {
        self.table.delete(target)?;
        Ok(())
    }
}

impl bus2_0_0::lattice::Host for CapabilitiesView<'_> {
    async fn set_link_name(
        &mut self,
        name: String,
        interfaces: Vec<Resource<CallTargetInterface>>,
    ) -> wasmtime::Result<Result<(), String>> {
        self.choose_link(name, interfaces, false)
    }
}

impl bus1_0_0::lattice::HostCallTargetInterface for CapabilitiesView<'_> {
    async fn new(
        &mut self,
        namespace: String,
        package: String,
        interface: String,
    ) -> wasmtime::Result<Resource<CallTargetInterface>> {
        self.new_call_target(namespace, package, interface)
    }

    async fn drop(&mut self, target: Resource<CallTargetInterface>) -> wasmtime::Result<()> {
        self.table.delete(target)?;
        Ok(())
    }
}

impl bus1_0_0::lattice::Host for CapabilitiesView<'_> {
    async fn set_link_name(
        &mut self,
        name: String,
        interfaces: Vec<Resource<CallTargetInterface>>,
    ) -> wasmtime::Result<()> {
        self.choose_link(name, interfaces, true).map(|_| ())
    }
}
