package dev.scaivault.spring;

import java.util.Objects;
import org.springframework.boot.context.config.ConfigDataResource;

/** One {@code scaivault://<path>} import. */
final class ScaiVaultConfigDataResource extends ConfigDataResource {
    private final String path;
    private final boolean optional;

    ScaiVaultConfigDataResource(String path, boolean optional) {
        super(optional);
        this.path = path;
        this.optional = optional;
    }

    String path() {
        return path;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScaiVaultConfigDataResource r && r.path.equals(path) && r.optional == optional;
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, optional);
    }

    @Override
    public String toString() {
        return ConfigImports.PREFIX + path;
    }
}
