/**
 * The sensor hub: {@link dev.outpost.hub.SensorSchedule} runs sensors into the durable
 * {@link dev.outpost.hub.Outbox}, {@link dev.outpost.hub.ConnectorLink} delivers the outbox to the
 * connector, {@link dev.outpost.hub.SensorHub} wires them on one Vert.x instance.
 */
package dev.outpost.hub;
