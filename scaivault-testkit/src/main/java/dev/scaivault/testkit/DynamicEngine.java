package dev.scaivault.testkit;

import java.time.Instant;

/** Where a lease's credentials live: a real PostgreSQL role, or nothing at all (the in-memory engine). */
interface DynamicEngine {
    void create(String name, String password, Instant expiration, RoleConfig config);

    void extend(String name, Instant expiration, RoleConfig config);

    void drop(String name, RoleConfig config);

    DynamicEngine IN_MEMORY = new DynamicEngine() {
        @Override
        public void create(String name, String password, Instant expiration, RoleConfig config) {}

        @Override
        public void extend(String name, Instant expiration, RoleConfig config) {}

        @Override
        public void drop(String name, RoleConfig config) {}
    };
}
