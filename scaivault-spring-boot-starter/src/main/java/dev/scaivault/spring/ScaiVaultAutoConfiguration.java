package dev.scaivault.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Import;

/**
 * The ScaiVault client, the DataSource credential source and its binding to the application's connection
 * pool, and SIGHUP reload ({@link ScaiVaultConfiguration}, shared by the Boot lines), ordered before Boot
 * 4's DataSource auto-configuration; health and metrics are in {@link ScaiVaultActuatorConfiguration}.
 * Every bean backs off when the application defines its own: a {@code ScaiVault}, or a {@code
 * SecretSource<Credentials>} named {@value #CREDENTIAL_SOURCE_BEAN}.
 */
@AutoConfiguration(
        afterName = "org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration",
        beforeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnProperty(prefix = "scaivault", name = "enabled", matchIfMissing = true)
@Import(ScaiVaultConfiguration.class)
public class ScaiVaultAutoConfiguration {
    /** The name of the credential source bean the DataSource binding follows. */
    public static final String CREDENTIAL_SOURCE_BEAN = ScaiVaultConfiguration.CREDENTIAL_SOURCE_BEAN;
}
