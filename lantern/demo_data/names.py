"""Names and places for made-up families: common UK names, fictional Northshire and Eastvale streets."""
from __future__ import annotations

GIRLS = [
    "Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow", "Rosie", "Sophia",
    "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Emily", "Evie", "Phoebe", "Matilda", "Maisie",
    "Zara", "Aisha", "Maryam", "Hannah", "Niamh", "Ruby", "Harper", "Erin", "Layla", "Nia", "Priya", "Sofia",
    "Charlotte", "Imogen", "Eliza", "Orla", "Bethan", "Fatima", "Jessica", "Megan", "Ffion", "Alice",
]
BOYS = [
    "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theodore",
    "Freddie", "Jack", "Charlie", "Theo", "Alfie", "Jacob", "Thomas", "Finley", "Arlo", "Isaac", "Joshua",
    "Rory", "Reuben", "Kai", "Ibrahim", "Yusuf", "Rohan", "Callum", "Dylan", "Ethan", "Owen", "Lewis", "Samuel",
    "Zachary", "Elijah", "Kian", "Tomasz", "Aarav", "Logan", "William", "James", "Daniel", "Caleb", "Rhys",
]
NICKNAMES = {
    "Theodore": "Teddy", "Alexander": "Alex", "Samuel": "Sam", "William": "Will", "Thomas": "Tom",
    "Isabella": "Bella", "Elizabeth": "Libby", "Zachary": "Zac", "Jessica": "Jess", "Florence": "Flo",
    "James": "Jamie", "Daniel": "Dan", "Charlotte": "Lottie", "Matilda": "Tilly",
}
MOTHERS = [
    "Sarah", "Emma", "Laura", "Rachel", "Claire", "Gemma", "Natalie", "Kate", "Hayley", "Amy", "Jenna", "Nadia",
    "Samina", "Joanne", "Kirsty", "Victoria", "Rebecca", "Leanne", "Ola", "Chipo", "Agnieszka", "Sian", "Helen",
]
FATHERS = [
    "David", "Paul", "Mark", "Richard", "Chris", "Andrew", "Matthew", "Lee", "Imran", "Gareth", "Stuart", "Ryan",
    "Adam", "Jonathan", "Kwame", "Piotr", "Neil", "Tariq", "Simon", "Darren", "Michael", "Craig", "Steven",
]
SURNAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Hughes",
    "Edwards", "Khan", "Ahmed", "Hussain", "Begum", "Ali", "Shah", "Singh", "Kaur", "Okafor", "Mensah", "Nowak",
    "Kowalski", "O'Brien", "Murphy", "Kelly", "Campbell", "Stewart", "Morgan", "Price", "Lewis", "Bennett",
    "Cooper", "Ward", "Turner", "Parker", "Collins", "Harris", "Martin", "Baker", "Mitchell", "Fletcher",
    "Henderson", "Reid", "Fraser", "Graham", "Gordon", "Chapman", "Ellis", "Harrison", "Barker", "Lloyd",
    "Watson", "Sharma", "Chowdhury", "Adeyemi", "Nguyen", "Da Silva", "Kovacs", "Walsh", "Doyle", "Byrne",
]
STREETS = [
    "Church Lane", "Station Road", "Mill Street", "Orchard Close", "Victoria Road", "Park Avenue", "Meadow Way",
    "Chestnut Drive", "Kingsway", "Queen Street", "The Crescent", "Elm Grove", "Riverside Walk", "Beech Road",
    "Hawthorn Close", "Marlborough Road", "Farm Lane", "Albert Terrace", "Brook Street", "Highfield Road",
]
TOWNS = {
    "Northshire": [("Northfield", "NF"), ("Ashby Cross", "AC"), ("Kingsmere", "KM"), ("Little Hadham", "NF")],
    "Eastvale": [("Eastvale", "EV"), ("Bramford", "BR"), ("Oakhurst", "EV"), ("Saltmarsh", "BR")],
}
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
