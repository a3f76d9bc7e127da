package dev.scaivault.spring;

import dev.scaivault.ScaiVault;
import java.util.List;
import org.springframework.boot.BootstrapRegistry;
import org.springframework.boot.ConfigurableBootstrapContext;
import org.springframework.boot.context.config.ConfigDataLocation;
import org.springframework.boot.context.config.ConfigDataLocationNotFoundException;
import org.springframework.boot.context.config.ConfigDataLocationResolver;
import org.springframework.boot.context.config.ConfigDataLocationResolverContext;
import org.springframework.boot.context.properties.bind.Bindable;

/**
 * Resolves {@code spring.config.import=scaivault://<path>} (and {@code optional:scaivault://<path>}). The
 * client for the imports is configured from the {@code scaivault.*} properties and environment variables
 * known at that stage, created once per startup in the bootstrap context, and closed when the application
 * context is ready.
 */
final class ScaiVaultConfigDataLocationResolver implements ConfigDataLocationResolver<ScaiVaultConfigDataResource> {
    static final String PREFIX = "scaivault://";

    @Override
    public boolean isResolvable(ConfigDataLocationResolverContext context, ConfigDataLocation location) {
        return location.hasPrefix(PREFIX);
    }

    @Override
    public List<ScaiVaultConfigDataResource> resolve(
            ConfigDataLocationResolverContext context, ConfigDataLocation location) {
        String path = location.getNonPrefixedValue(PREFIX).strip();
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (path.isEmpty()) {
            throw new ConfigDataLocationNotFoundException(location);
        }
        ScaiVaultProperties props = context.getBinder()
                .bind("scaivault", Bindable.of(ScaiVaultProperties.class))
                .orElseGet(ScaiVaultProperties::new);
        String url = props.getUrl() != null ? props.getUrl() : System.getenv("SCAIVAULT_URL");
        if (url == null || url.isBlank()) {
            if (location.isOptional()) {
                return List.of();
            }
            throw new IllegalStateException("spring.config.import=" + location
                    + " needs a ScaiVault client at startup: set scaivault.url (or SCAIVAULT_URL) and an"
                    + " authentication in application properties, system properties or environment variables");
        }
        ConfigurableBootstrapContext bootstrap = context.getBootstrapContext();
        if (!bootstrap.isRegistered(ImportClient.class)) {
            ImportClient client = new ImportClient(Clients.build(props, System::getenv));
            bootstrap.register(ImportClient.class, BootstrapRegistry.InstanceSupplier.of(client));
            bootstrap.addCloseListener(event -> client.vault().close());
        }
        return List.of(new ScaiVaultConfigDataResource(path, location.isOptional()));
    }

    /** The bootstrap-time client, wrapped so that an application's own ScaiVault bean is not confused with it. */
    record ImportClient(ScaiVault vault) {}
}
