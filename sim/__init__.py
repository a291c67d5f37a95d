"""A commuter morning in plain Python: riders and drivers at the ten stations, the matching rule
played as a discrete-event simulation, and the best any rule could do with the same eligibility
(a maximum flow). No service, no database: the yardstick the real system is measured against."""
