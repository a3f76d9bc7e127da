package dev.scaivault.spring;

import java.util.List;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.bootstrap.ConfigurableBootstrapContext;
import org.springframework.boot.context.config.ConfigDataLocation;
import org.springframework.boot.context.config.ConfigDataLocationResolver;
import org.springframework.boot.context.config.ConfigDataLocationResolverContext;

/**
 * Resolves {@code spring.config.import=scaivault://<path>} (see {@link ConfigImports}) and keeps the one client
 * of a startup's imports in Boot 4's bootstrap context, which closes it.
 */
final class ScaiVaultConfigDataLocationResolver implements ConfigDataLocationResolver<ScaiVaultConfigDataResource> {
    @Override
    public boolean isResolvable(ConfigDataLocationResolverContext context, ConfigDataLocation location) {
        return ConfigImports.isResolvable(location);
    }

    @Override
    public List<ScaiVaultConfigDataResource> resolve(
            ConfigDataLocationResolverContext context, ConfigDataLocation location) {
        ConfigImports.Resolved resolved = ConfigImports.resolve(context.getBinder(), location);
        if (resolved == null) {
            return List.of();
        }
        ConfigurableBootstrapContext bootstrap = context.getBootstrapContext();
        if (!bootstrap.isRegistered(ConfigImports.ImportClient.class)) {
            ConfigImports.ImportClient client = resolved.newClient();
            bootstrap.register(ConfigImports.ImportClient.class, BootstrapRegistry.InstanceSupplier.of(client));
            bootstrap.addCloseListener(event -> client.vault().close());
        }
        return List.of(resolved.resource());
    }
}
