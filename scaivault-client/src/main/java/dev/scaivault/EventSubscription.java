package dev.scaivault;

/** A polling subscription on the server. */
public record EventSubscription(String id, String name, String status) {}
