"""The managers' dashboard (管理驾驶舱): charts, tables, Excel exports and the quarterly report."""
