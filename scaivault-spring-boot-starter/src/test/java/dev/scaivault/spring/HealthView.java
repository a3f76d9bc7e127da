package dev.scaivault.spring;

import java.util.Map;

/**
 * A health indicator's answer, read through the health API of the Boot line under test ({@link BootLine}).
 *
 * @param status the status code, {@code UP} or {@code DOWN}
 * @param details the details as the indicator built them
 * @param health the line's own {@code Health} object, to serialize as the health endpoint does
 */
record HealthView(String status, Map<String, Object> details, Object health) {}
