//! The backends one component reaches through its links, by capability and link name.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};

use super::Capability;

/// The backends of one component's links: for each capability, by link name. Instances read
/// their capability's own entry ([`Linked::get`]); nothing here knows which capabilities exist.
#[derive(Default)]
pub struct Linked {
    by_capability: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl Linked {
    /// The backend of capability `C` behind link `name`, if the component has such a link.
    pub fn get<C: Capability>(&self, name: &str) -> Option<&C::Backend> {
        self.all::<C>()?.get(name)
    }

    /// Every backend of capability `C`, by link name.
    pub fn all<C: Capability>(&self) -> Option<&BTreeMap<String, C::Backend>> {
        self.by_capability
            .get(&TypeId::of::<C>())?
            .downcast_ref::<BTreeMap<String, C::Backend>>()
    }

    /// Records `backend` as what link `name` reaches of capability `C`.
    pub fn insert<C: Capability>(&mut self, name: String, backend: C::Backend) {
        let entry = self
            .by_capability
            .entry(TypeId::of::<C>())
            .or_insert_with(|| Box::new(BTreeMap::<String, C::Backend>::new()));
        if let Some(map) = entry.downcast_mut::<BTreeMap<String, C::Backend>>() {
            map.insert(name, backend);
        }
    }
}
