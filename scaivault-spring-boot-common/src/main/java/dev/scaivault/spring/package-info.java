/**
 * Spring Boot auto-configuration for ScaiVault: a {@code ScaiVault} client from {@code scaivault.*} settings,
 * credential sources bound to the application's {@code DataSource} so it rotates without a restart, the
 * {@code scaivault} health component, {@code scaivault.*} meters, rotation and lease application events, and
 * the {@code scaivault:} config-data import. The same rules serve every supported Boot line; each starter
 * adds only what its line's API needs. See {@code docs/spring.md}.
 */
package dev.scaivault.spring;
