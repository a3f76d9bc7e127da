package dev.scaivault.spring;

import org.springframework.boot.context.config.ConfigData;
import org.springframework.boot.context.config.ConfigDataLoader;
import org.springframework.boot.context.config.ConfigDataLoaderContext;

/**
 * Loads a {@code scaivault://<path>} import (see {@link ConfigImports}) with the client that {@link
 * ScaiVaultConfigDataLocationResolver} put in Boot 3.5's bootstrap context.
 */
final class ScaiVaultConfigDataLoader implements ConfigDataLoader<ScaiVaultConfigDataResource> {
    @Override
    public ConfigData load(ConfigDataLoaderContext context, ScaiVaultConfigDataResource resource) {
        return ConfigImports.load(context.getBootstrapContext().get(ConfigImports.ImportClient.class), resource);
    }
}
