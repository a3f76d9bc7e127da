package dev.scaivault.spring;

import dev.scaivault.NotFoundException;
import dev.scaivault.ScaiVault;
import dev.scaivault.ScaiVaultApiException;
import dev.scaivault.ScaiVaultException;
import dev.scaivault.Secret;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.config.ConfigData;
import org.springframework.boot.context.config.ConfigDataLocation;
import org.springframework.boot.context.config.ConfigDataLocationNotFoundException;
import org.springframework.boot.context.config.ConfigDataResourceNotFoundException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MapPropertySource;

/**
 * {@code spring.config.import=scaivault://<path>} (and {@code optional:scaivault://<path>}), except for the
 * bootstrap context: each Boot line's {@code ScaiVaultConfigDataLocationResolver} and {@code
 * ScaiVaultConfigDataLoader} keep the {@link ImportClient} there (Boot 4 moved that context's types to {@code
 * org.springframework.boot.bootstrap}) and call this for everything else. The client for the imports is
 * configured from the {@code scaivault.*} properties and environment variables known at that stage, created
 * once per startup, and closed when the bootstrap context closes (once the application context is prepared).
 */
final class ConfigImports {
    static final String PREFIX = "scaivault://";
    static final String PROPERTY_SOURCE_PREFIX = "scaivault:";

    private ConfigImports() {}

    /** The bootstrap-time client, wrapped so that an application's own ScaiVault bean is not confused with it. */
    record ImportClient(ScaiVault vault) {}

    /** One import to resolve: its resource, and how to make the client if this startup has none yet. */
    record Resolved(ScaiVaultConfigDataResource resource, ScaiVaultProperties properties) {
        ImportClient newClient() {
            return new ImportClient(Clients.build(properties, System::getenv));
        }
    }

    static boolean isResolvable(ConfigDataLocation location) {
        return location.hasPrefix(PREFIX);
    }

    /**
     * The import at {@code location}, or null when it is {@code optional:} and no ScaiVault URL is configured.
     *
     * @throws ConfigDataLocationNotFoundException when the location names no path
     * @throws IllegalStateException when a required import has no ScaiVault URL to read from
     */
    static Resolved resolve(Binder binder, ConfigDataLocation location) {
        String path = location.getNonPrefixedValue(PREFIX).strip();
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (path.isEmpty()) {
            throw new ConfigDataLocationNotFoundException(location);
        }
        ScaiVaultProperties props =
                binder.bind("scaivault", Bindable.of(ScaiVaultProperties.class)).orElseGet(ScaiVaultProperties::new);
        String url = props.getUrl() != null ? props.getUrl() : System.getenv("SCAIVAULT_URL");
        if (url == null || url.isBlank()) {
            if (location.isOptional()) {
                return null;
            }
            throw new IllegalStateException("spring.config.import=" + location
                    + " needs a ScaiVault client at startup: set scaivault.url (or SCAIVAULT_URL) and an"
                    + " authentication in application properties, system properties or environment variables");
        }
        return new Resolved(new ScaiVaultConfigDataResource(path, location.isOptional()), props);
    }

    /**
     * Reads the secret of {@code resource} into a property source named {@code scaivault:<path>}: each key of the
     * secret's data becomes a property. A missing secret is a {@link ConfigDataResourceNotFoundException}, which
     * Boot turns into a failed startup unless the import is {@code optional:}.
     */
    static ConfigData load(ImportClient client, ScaiVaultConfigDataResource resource) {
        Secret secret;
        try {
            secret = client.vault().secrets().read(resource.path());
        } catch (NotFoundException e) {
            throw new ConfigDataResourceNotFoundException(resource, e);
        } catch (ScaiVaultApiException e) {
            if (e.status() == 404) {
                throw new ConfigDataResourceNotFoundException(resource, e);
            }
            throw failed(resource, client, e);
        } catch (ScaiVaultException e) {
            throw failed(resource, client, e);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        secret.data().forEach((k, v) -> values.put(k, v == null ? "" : v instanceof String s ? s : String.valueOf(v)));
        return new ConfigData(List.of(new MapPropertySource(PROPERTY_SOURCE_PREFIX + resource.path(), values)));
    }

    private static IllegalStateException failed(
            ScaiVaultConfigDataResource resource, ImportClient client, ScaiVaultException e) {
        return new IllegalStateException(
                "spring.config.import=" + resource + ": reading the secret from "
                        + client.vault().url() + " failed: " + e.getMessage(),
                e);
    }
}
