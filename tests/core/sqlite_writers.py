"""Two writers on the demo's SQLite settings at once: read, think, write (run as a script).

Prints the journal mode and one line per writer: "ok" or the error it met.
"""

import os
import sys
import threading
import time

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "backoffice.settings.base"
os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
if len(sys.argv) > 2:
    os.environ["SQLITE_WITHOUT_OPTIONS"] = "1"
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

if os.environ.get("SQLITE_WITHOUT_OPTIONS"):
    settings.DATABASES["default"]["OPTIONS"] = {"timeout": 5}
    connections["default"].settings_dict["OPTIONS"] = {"timeout": 5}

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS counter (n integer)")
    cursor.execute("INSERT INTO counter VALUES (0)")
    cursor.execute("PRAGMA journal_mode")
    print(cursor.fetchone()[0])
connection.close()

start = threading.Barrier(2)
outcomes = []


def writer():
    try:
        start.wait()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT n FROM counter")
            n = cursor.fetchone()[0]
            time.sleep(0.3)
            cursor.execute("UPDATE counter SET n = %s", [n + 1])
        outcomes.append("ok")
    except Exception as exc:  # noqa: BLE001 - the outcome is what is printed
        outcomes.append(str(exc))
    finally:
        connection.close()


threads = [threading.Thread(target=writer) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("\n".join(outcomes))
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM counter")
    print(cursor.fetchone()[0])
