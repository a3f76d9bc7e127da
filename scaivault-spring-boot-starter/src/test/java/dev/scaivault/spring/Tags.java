package dev.scaivault.spring;

/** JUnit tags of the starter's test suite. */
final class Tags {
    /**
     * Long tests: they run on the starter's own line (Boot 4.0) in every build, and on Boot 3.5 and 4.1 with
     * {@code -Pall-boot-lines} (those lines' compatibility applications rotate leases under load in every build).
     */
    static final String LONG = "long";

    private Tags() {}
}
