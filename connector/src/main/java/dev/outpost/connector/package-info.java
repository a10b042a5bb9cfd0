/**
 * The site connector: {@link dev.outpost.connector.LanGateway} (hubs in),
 * {@link dev.outpost.hub.CloudUplink} (cloud out), {@link dev.outpost.connector.CommandChannel}
 * (configurations from the cloud), wired by {@link dev.outpost.connector.Connector}.
 */
package dev.outpost.connector;
