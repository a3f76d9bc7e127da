package dev.scaivault.spring;

import dev.scaivault.NotFoundException;
import dev.scaivault.ScaiVaultApiException;
import dev.scaivault.ScaiVaultException;
import dev.scaivault.Secret;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.config.ConfigData;
import org.springframework.boot.context.config.ConfigDataLoader;
import org.springframework.boot.context.config.ConfigDataLoaderContext;
import org.springframework.boot.context.config.ConfigDataResourceNotFoundException;
import org.springframework.core.env.MapPropertySource;

/**
 * Reads the secret of a {@code scaivault://<path>} import into a property source named {@code
 * scaivault:<path>}: each key of the secret's data becomes a property. A missing secret fails the startup
 * unless the import is {@code optional:}.
 */
final class ScaiVaultConfigDataLoader implements ConfigDataLoader<ScaiVaultConfigDataResource> {
    static final String PROPERTY_SOURCE_PREFIX = "scaivault:";

    @Override
    public ConfigData load(ConfigDataLoaderContext context, ScaiVaultConfigDataResource resource) {
        ScaiVaultConfigDataLocationResolver.ImportClient client =
                context.getBootstrapContext().get(ScaiVaultConfigDataLocationResolver.ImportClient.class);
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
            ScaiVaultConfigDataResource resource,
            ScaiVaultConfigDataLocationResolver.ImportClient client,
            ScaiVaultException e) {
        return new IllegalStateException(
                "spring.config.import=" + resource + ": reading the secret from "
                        + client.vault().url() + " failed: " + e.getMessage(),
                e);
    }
}
