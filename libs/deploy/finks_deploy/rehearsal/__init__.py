"""The release rehearsal: the real deploy workflow under act, against emulated accounts.

``./pants run libs/deploy:rehearse`` (see API-REHEARSE.md and README "Deploys").
"""
