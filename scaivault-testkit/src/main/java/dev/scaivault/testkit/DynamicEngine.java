package dev.scaivault.testkit;

import java.time.Instant;

/** Where a lease's credentials live: a real PostgreSQL role, or nothing at all (the in-memory engine). */
interface DynamicEngine {
    /** Runs a role's setup statements once, when the server starts. */
    void setup(RoleConfig config);

    void create(String name, String password, Instant expiration, RoleConfig config);

    void extend(String name, Instant expiration, RoleConfig config);

    void drop(String name, RoleConfig config);

    DynamicEngine IN_MEMORY = new DynamicEngine() {
        @Override
        public void setup(RoleConfig config) {}

        @Override
        public void create(String name, String password, Instant expiration, RoleConfig config) {}

        @Override
        public void extend(String name, Instant expiration, RoleConfig config) {}

        @Override
        public void drop(String name, RoleConfig config) {}
    };
}
